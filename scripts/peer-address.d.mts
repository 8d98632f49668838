import type { IncomingMessage } from "node:http";

export declare function appendPeerAddress(req: IncomingMessage): void;
