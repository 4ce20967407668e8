// The HTML served at `/` (a fuller explorer replaces it in a later change).

/** A small self-contained page pointing at the GraphQL endpoint `graphqlPath`. */
export function landingPage(graphqlPath: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>neuron-atlas</title></head>
<body>
<h1>neuron-atlas</h1>
<p>GraphQL endpoint: <code>POST ${graphqlPath}</code> with a JSON body <code>{"query": "{ health { database engine } }"}</code>.</p>
</body>
</html>
`;
}
