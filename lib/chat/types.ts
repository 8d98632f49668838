/**
 * The chat's view shapes: what lib/chat returns and what the API and pages hand to the
 * browser. Dates are ISO strings so a shape is the same whether it came as JSON from a
 * route or as props from a server component.
 */
export type MessageRole = "user" | "assistant";
export type MessageStatus = "complete" | "aborted" | "error";

export interface ConversationSummary {
  id: string;
  title: string;
  updatedAt: string;
}

export interface ChatMessage {
  id: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  createdAt: string;
  /** The model that wrote an answer; sent for the conversation's last answer only (issue 14: whether it can be regenerated on a stronger one). */
  model?: string;
  /** The knowledge passages an answer showed (issue 13), when it had any. */
  sources?: { id: string; documentId: string; title: string; section: string | null; excerpt: string }[];
}

export interface ConversationWithMessages {
  conversation: ConversationSummary & { createdAt: string };
  messages: ChatMessage[];
}
