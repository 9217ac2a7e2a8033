// shared/ runs in browsers and in Node alike, so it may use only what both provide.
// The WHATWG URL parser is one such global; declare the part we use (the ES lib has no URL).
export {};

declare global {
  class URL {
    constructor(url: string, base?: string);
    readonly hostname: string;
    readonly protocol: string;
    readonly href: string;
  }
}
