/** A MongoDB ObjectId as the API and the tokens carry it: 24 hex digits. */
export const OBJECT_ID_PATTERN = /^[0-9a-f]{24}$/i;
