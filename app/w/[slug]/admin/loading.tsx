import { Spinner } from "@/components/ui/spinner";

export default function AdminLoading() {
  return (
    <main className="mx-auto w-full max-w-7xl space-y-6 px-4 py-8 sm:px-6 sm:py-10" aria-busy="true">
      <div className="space-y-2">
        <div className="h-7 w-32 animate-pulse rounded bg-zinc-200" />
        <div className="h-4 w-full max-w-md animate-pulse rounded bg-zinc-200" />
      </div>
      <div className="h-10 border-b border-zinc-200" />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,26rem)]">
        <div className="space-y-6">
          {[0, 1, 2].map((i) => (
            <div key={i} className="h-48 animate-pulse rounded-xl bg-white shadow-sm ring-1 ring-zinc-950/5" />
          ))}
        </div>
        <div className="h-96 animate-pulse rounded-xl bg-white shadow-sm ring-1 ring-zinc-950/5" />
      </div>
      <p className="flex items-center gap-2 text-sm text-zinc-600">
        <Spinner label="Loading the admin console" /> Loading the admin console…
      </p>
    </main>
  );
}
