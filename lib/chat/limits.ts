/**
 * Chat limits as data, shared by the chat route (server) and the composer (client).
 * Nothing here may import server-only code: the browser bundle imports this file.
 */

/** Longest user message accepted, in characters (UTF-16 code units, as `String.length` counts). */
export const MAX_MESSAGE_CHARS = 8000;

/** Longest conversation title, in characters after trimming. */
export const MAX_TITLE_CHARS = 120;

/** Conversations shown in the sidebar (newest first). */
export const CONVERSATION_LIST_LIMIT = 100;
