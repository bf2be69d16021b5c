import { useEffect, useState } from 'react';
import { checkDatasetPath, previewDataset, type DatasetPreview } from './dataset-preview.js';

/** The first `rows` records of the chosen file, read again whenever the path changes (null path: none). */
export function useDatasetPreview(path: string | null, rows: number): { preview: DatasetPreview | null; error: string | null } {
  const [state, setState] = useState<{ preview: DatasetPreview | null; error: string | null }>({ preview: null, error: null });
  useEffect(() => {
    const check = path === null ? null : checkDatasetPath(path);
    if (!check?.ok) {
      setState({ preview: null, error: null });
      return;
    }
    let live = true;
    previewDataset(check.file, rows).then(
      (preview) => live && setState({ preview, error: null }),
      (err: Error) => live && setState({ preview: null, error: `cannot read the file: ${err.message.split('\n')[0]}` }),
    );
    return () => {
      live = false;
    };
  }, [path, rows]);
  return state;
}
