/**
 * A module fetched only when first wanted: the admin page, the profile screen and the
 * group dialogs stay out of the first load's JavaScript.
 */
import { useEffect, useState } from "preact/hooks";

export function useLazy<M>(load: () => Promise<M>, wanted: boolean): { module: M | null; failed: boolean } {
  const [module, setModule] = useState<M | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!wanted || module) return;
    load().then(
      (loaded) => {
        setModule(loaded);
        setFailed(false);
      },
      () => setFailed(true),
    );
  }, [wanted]);
  return { module, failed };
}
