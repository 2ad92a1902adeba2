/**
 * Client components ("use client" files) run in the browser: they must not import `server/` or `db/`
 * (directly, through the `@/` alias, or relatively) nor Node built-ins.
 */
const FORBIDDEN = /(^|\/)(server|db)(\/|$)/;

function isClientModule(program) {
  const first = program.body[0];
  return first?.type === "ExpressionStatement" && first.directive === "use client";
}

export default {
  meta: {
    type: "problem",
    docs: { description: "forbid server/ and db/ imports in client components" },
    messages: {
      serverImport: "Client component imports '{{source}}': server/ and db/ code must not reach the browser.",
      nodeImport: "Client component imports the Node built-in '{{source}}'.",
    },
    schema: [],
  },
  create(context) {
    let client = false;
    const check = (node, source) => {
      if (!client || typeof source !== "string") return;
      const normalised = source.replace(/^@\//, "");
      if (FORBIDDEN.test(normalised) && (source.startsWith(".") || source.startsWith("@/") || /^(server|db)\//.test(source))) {
        context.report({ node, messageId: "serverImport", data: { source } });
      } else if (source.startsWith("node:")) {
        context.report({ node, messageId: "nodeImport", data: { source } });
      }
    };
    return {
      Program(node) {
        client = isClientModule(node);
      },
      ImportDeclaration(node) {
        check(node, node.source.value);
      },
      ImportExpression(node) {
        if (node.source.type === "Literal") check(node, node.source.value);
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(node, node.source.value);
      },
      ExportAllDeclaration(node) {
        check(node, node.source.value);
      },
    };
  },
};
