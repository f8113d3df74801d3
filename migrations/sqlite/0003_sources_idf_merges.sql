-- The outlet of an article (an aggregator's <source>, else the feed's title, else the host).
ALTER TABLE articles ADD COLUMN source TEXT;

-- A story folded into another keeps its row (digests may refer to it) and points at the survivor.
ALTER TABLE stories ADD COLUMN merged_into INTEGER REFERENCES stories(id);

-- Document frequencies over every ingested article: the IDF of story similarity.
CREATE TABLE term_df (
  term TEXT PRIMARY KEY,
  df   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE corpus_stats (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  docs INTEGER NOT NULL
);
INSERT INTO corpus_stats (id, docs) VALUES (1, 0);
