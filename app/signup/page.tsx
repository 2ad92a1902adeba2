import { SignUpForm } from "./SignUpForm";

export const metadata = { title: "Sign up · Corrective" };

export default function SignUpPage() {
  return (
    <div className="panel auth-card">
      <h1>Create your account</h1>
      <SignUpForm />
    </div>
  );
}
