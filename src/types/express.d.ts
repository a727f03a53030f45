import 'express-serve-static-core';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id (from a well-formed `x-request-id`, else generated); in every log line. */
    id: string;
    /** Set by the token middleware once the access token is verified. */
    auth?: {
      userId: string;
      /** The session the access token was issued in (absent in tokens without one). */
      sessionId: string | undefined;
      /** Current role names (read by verifyToken; empty from optionalToken). */
      roles: string[];
      /** The token version the access token was issued under (see TokenService). */
      tokenVersion: number;
    };
  }
}
