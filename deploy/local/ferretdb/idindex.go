package main

// FerretDB v1.24.2 declares each collection's `_id` index on the SQLite expression
// `_ferretdb_sjson->"_id"`, while its queries filter on `_ferretdb_sjson->'$._id'`, so SQLite
// never uses the index and every lookup by `_id` scans the table. This adds, for every
// collection table, an index on the expression the queries use. It only speeds up lookups;
// FerretDB neither knows nor needs to know about it (dropping a collection drops it too).

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

type idIndexer struct {
	dir     string
	logger  *slog.Logger
	dbs     map[string]*sql.DB
	indexed map[string]bool
}

func newIDIndexer(sqliteURL string, logger *slog.Logger) (*idIndexer, error) {
	u, err := url.Parse(sqliteURL)
	if err != nil {
		return nil, err
	}
	dir := u.Opaque
	if dir == "" {
		dir = u.Path
	}
	return &idIndexer{dir: dir, logger: logger, dbs: map[string]*sql.DB{}, indexed: map[string]bool{}}, nil
}

// run indexes what exists now, then looks for new collections every interval until ctx ends.
func (x *idIndexer) run(ctx context.Context, interval time.Duration) {
	defer x.close()
	for {
		x.indexAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

func (x *idIndexer) indexAll(ctx context.Context) {
	files, err := filepath.Glob(filepath.Join(x.dir, "*.sqlite"))
	if err != nil {
		x.logger.Warn("listing databases failed", "error", err)
		return
	}
	for _, file := range files {
		if err := x.indexFile(ctx, file); err != nil {
			x.logger.Debug("indexing _id failed; will retry", "file", file, "error", err)
		}
	}
}

func (x *idIndexer) indexFile(ctx context.Context, file string) error {
	db, ok := x.dbs[file]
	if !ok {
		if _, err := os.Stat(file); err != nil {
			return err
		}
		opened, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
		if err != nil {
			return err
		}
		opened.SetMaxOpenConns(1)
		x.dbs[file], db = opened, opened
	}
	rows, err := db.QueryContext(ctx, "SELECT table_name FROM _ferretdb_collections")
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, table)
	}
	rows.Close()
	for _, table := range tables {
		key := file + "/" + table
		if x.indexed[key] {
			continue
		}
		quoted := strings.ReplaceAll(table, `"`, `""`)
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS "%s_linli_id" ON "%s" (_ferretdb_sjson->'$._id')`, quoted, quoted)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
		x.indexed[key] = true
		x.logger.Info("indexed _id lookups", "file", filepath.Base(file), "table", table)
	}
	return nil
}

func (x *idIndexer) close() {
	for _, db := range x.dbs {
		_ = db.Close()
	}
}
