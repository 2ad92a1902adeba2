/**
 * Where an image policy's encoders sit among a member's networks in the policy blob (see blob.ts):
 * after the head's networks, two per camera — the Conv2D stack, then the projection.
 *
 * Browser-safe; shared by the tfjs side (tf-members.ts) and the plain-JS side (policy.ts).
 */
export function encoderNetIndex(headNets: number, camera: number): { conv: number; projection: number } {
  return { conv: headNets + 2 * camera, projection: headNets + 2 * camera + 1 };
}
