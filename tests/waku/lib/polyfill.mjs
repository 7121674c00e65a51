// Node 18 (Debian 12's nodejs 18.19/18.20) has no global CustomEvent unless
// started with --experimental-global-customevent; libp2p needs it. Node >= 19
// has it. Imported first by the stand-in so it exists before libp2p runs.
if (typeof globalThis.CustomEvent !== "function") {
  globalThis.CustomEvent = class CustomEvent extends Event {
    #detail;
    constructor(type, options = {}) {
      super(type, options);
      this.#detail = options?.detail ?? null;
    }
    get detail() {
      return this.#detail;
    }
  };
}
