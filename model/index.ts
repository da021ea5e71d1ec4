/** The model's public surface: everything else imports from here. */
export * from "./json.js";
export * from "./profile.js";
export * from "./mutants.js";
export * from "./classes.js";
export * from "./lifecycle.js";
export * from "./state.js";
export * from "./command.js";
export * from "./event.js";
export * from "./observation.js";
export * from "./rules.js";
export * from "./reducer.js";
export * from "./events/registry.js";
export * from "./ledger.js";
export * from "./fingerprint.js";
export * from "./laws/index.js";
