// A GraphQL Code Generator plugin: lists every operation's typed document under its name in camelCase,
// from which the client builds one method per operation (`client.products(...)`), subscriptions apart
// (their methods return async iterators). typescript-generic-sdk would do this with DocumentNode (pulling
// graphql's printer into every app) and PascalCase names.
const camel = (name) => name.charAt(0).toLowerCase() + name.slice(1);
const pascal = (name) => name.charAt(0).toUpperCase() + name.slice(1);

module.exports = {
  plugin(_schema, documents) {
    const names = [];
    const subscriptions = new Set();
    for (const { document } of documents) {
      for (const definition of document?.definitions ?? []) {
        if (definition.kind !== "OperationDefinition") continue;
        if (!definition.name)
          throw new Error("Every operation in sdk/operations needs a name: it becomes the method's name.");
        names.push(definition.name.value);
        if (definition.operation === "subscription") subscriptions.add(definition.name.value);
      }
    }
    names.sort();
    const duplicates = names.filter((name, index) => names.indexOf(name) !== index);
    if (duplicates.length > 0) throw new Error(`Operation names must be unique: ${duplicates.join(", ")}`);
    const line = (name) => `  ${camel(name)}: Documents.${pascal(name)}DocumentString,`;
    return [
      'import * as Documents from "./graphql.js";',
      "",
      "/** Every query and mutation, by the name of its client method. */",
      "export const operations = {",
      ...names.filter((name) => !subscriptions.has(name)).map(line),
      "} as const;",
      "",
      "/** Every subscription, by the name of its client method. */",
      "export const subscriptions = {",
      ...names.filter((name) => subscriptions.has(name)).map(line),
      "} as const;",
      "",
    ].join("\n");
  },
};
