import { Badge } from "@/components/ui/badge";
import { LossIcon, WarningIcon } from "@/components/staff/icons";
import type { MarginFlag } from "@/lib/staff/margins";

/** Colour, icon and words together: the flag must not rest on colour alone. */
export function MarginFlagBadge({ flag, free }: { flag: MarginFlag | null; free: boolean }) {
  if (flag === "negative") {
    return (
      <Badge tone="danger" className="gap-1">
        <LossIcon className="size-3.5" />
        {free ? "Loss · free plan" : "Loss"}
      </Badge>
    );
  }
  if (flag === "thin") {
    return (
      <Badge tone="warning" className="gap-1">
        <WarningIcon className="size-3.5" />
        Thin margin
      </Badge>
    );
  }
  return null;
}
