"""Labelled texts for training: the IMDB reviews, or a table a visitor uploads.

One module per idea; import the one you need (this package imports nothing itself,
so ``import lib.data.keys`` stays as light as a regular expression):

* :mod:`lib.data.dataset` - :class:`~lib.data.dataset.TextDataset`, the one shape every
  dataset takes, and how texts are cleaned, split and subsampled.
* :mod:`lib.data.imdb` - the 50,000 IMDB reviews: the CSV shipped with a package
  (offline) or Stanford's archive (downloaded once).
* :mod:`lib.data.tables` - reading an uploaded CSV, TSV or Parquet file within fixed
  bounds: an upload is hostile until parsed.
* :mod:`lib.data.parquet` - a Parquet upload read within a fixed memory budget, sized from
  its page headers (:mod:`lib.data.parquet_pages`) before anything is decompressed.
* :mod:`lib.data.uploads` - turning an uploaded table into a dataset (which columns,
  which labels, which split) and storing it.
* :mod:`lib.data.store` - uploads and datasets on disk, and :func:`~lib.data.store.dataset_by_key`,
  which turns any dataset key back into its dataset.
* :mod:`lib.data.quota` - how much of the disk one session's uploads, and all of them, may take.
* :mod:`lib.data.keys` - dataset keys (``"imdb"``, ``"upload-3f2a9c..."``, ``"imdb-n2000-s0"``)
  and the one rule for who may see what was made from an upload.
"""
