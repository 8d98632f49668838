import { MessageSkeleton } from "@/components/chat/message-list";

/** While the server loads a deep-linked conversation. */
export default function Loading() {
  return (
    <div className="flex h-[calc(100dvh-3.5rem-1px)] flex-col">
      <MessageSkeleton />
    </div>
  );
}
