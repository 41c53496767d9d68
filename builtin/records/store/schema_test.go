package store

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateDatabase(t *testing.T) {
	s, _, dir := newStore(t, Options{})
	if err := s.CreateDatabase("dev"); err != nil {
		t.Fatalf("CreateDatabase: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dev.bolt")); err != nil {
		t.Fatalf("database file: %v", err)
	}
	wantError(t, s.CreateDatabase("dev"), 400, "database 'dev' already exists")
	if got := strings.Join(s.Databases(), ","); got != "dev" {
		t.Fatalf("Databases = %q", got)
	}
}

func TestCreateTable(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	if err := s.CreateTable("auto", "dogs", "id"); err != nil {
		t.Fatalf("CreateTable in a missing database: %v", err)
	}
	if got := strings.Join(s.Databases(), ","); got != "auto" {
		t.Fatalf("CreateTable did not create the database: %q", got)
	}
	wantError(t, s.CreateTable("auto", "dogs", "id"), 400, "Table 'dogs' already exists in 'auto'")
	wantError(t, s.CreateTable("auto", "birds", ""), 400, "'primary_key' is required")
	wantError(t, s.CreateTable("auto", "birds", "a/b"), 400, "Attribute names cannot include backticks or forward slashes")
	pk, err := s.PrimaryKey("auto", "dogs")
	if err != nil || pk != "id" {
		t.Fatalf("PrimaryKey = %q, %v", pk, err)
	}
	attrs, err := s.Attributes("auto", "dogs")
	if err != nil || strings.Join(attrs, ",") != "__createdtime__,__updatedtime__,id" {
		t.Fatalf("Attributes = %v, %v", attrs, err)
	}
}

func TestDropTable(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "tmp")
	if _, err := s.Insert("dev", "tmp", records(t, `[{"id":1}]`)); err != nil {
		t.Fatal(err)
	}
	if err := s.DropTable("dev", "tmp"); err != nil {
		t.Fatalf("DropTable: %v", err)
	}
	wantError(t, s.DropTable("dev", "tmp"), 404, "Table 'dev.tmp' does not exist")
	wantError(t, s.DropTable("nodb", "tmp"), 404, "database 'nodb' does not exist")
	_, err := s.DescribeTable("dev", "tmp")
	wantError(t, err, 404, "Table 'dev.tmp' does not exist")
	mustTable(t, s, "dev", "tmp") // the name is free again, and empty
	if n := len(scanAll(t, s, "dev", "tmp")); n != 0 {
		t.Fatalf("re-created table has %d records", n)
	}
}

func TestDropDatabase(t *testing.T) {
	s, _, dir := newStore(t, Options{})
	mustTable(t, s, "gone", "dogs")
	if err := s.DropDatabase("gone"); err != nil {
		t.Fatalf("DropDatabase: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gone.bolt")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("database file still there: %v", err)
	}
	wantError(t, s.DropDatabase("gone"), 404, "database 'gone' does not exist")
	_, err := s.DescribeTable("gone", "dogs")
	wantError(t, err, 404, "database 'gone' does not exist")
	_, err = s.Insert("gone", "dogs", records(t, `[{"id":1}]`))
	wantError(t, err, 404, "database 'gone' does not exist")
	if len(s.Databases()) != 0 {
		t.Fatalf("Databases = %v", s.Databases())
	}
}

func TestNames(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	bad := []struct{ db, table, msg string }{
		{"", "t", "'database' is required"},
		{"d", "", "'table' is required"},
		{"a/b", "t", "'database' names cannot include backticks or forward slashes"},
		{"d", "a`b", "'table' names cannot include backticks or forward slashes"},
		{"nul\x00", "t", "'database' names cannot include backticks or forward slashes"},
		{"caf\u00e9", "t", "'database' names cannot include backticks or forward slashes"},
		{"..", "t", "'database' names cannot include '..'"},
		{"a..b", "t", "'database' names cannot include '..'"},
		{strings.Repeat("x", MaxNameLength+1), "t", "'database' length must be less than or equal to 250 characters long"},
		{"d", strings.Repeat("x", MaxNameLength+1), "'table' length must be less than or equal to 250 characters long"},
	}
	for _, c := range bad {
		wantError(t, s.CreateTable(c.db, c.table, "id"), 400, c.msg)
	}
	wantError(t, s.CreateDatabase("x/y"), 400, "'database' names cannot include backticks or forward slashes")
	wantError(t, s.DropDatabase(""), 400, "'database' is required")
	if len(s.Databases()) != 0 {
		t.Fatalf("a bad name created a database: %v", s.Databases())
	}
	for _, good := range []string{"conf_rec_1", "a.b", "with space", strings.Repeat("y", MaxNameLength), "5"} {
		if err := s.CreateTable(good, good, "id"); err != nil {
			t.Fatalf("CreateTable(%q): %v", good, err)
		}
	}
}

func TestDescribe(t *testing.T) {
	s, clk, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "dogs")
	mustTable(t, s, "dev", "cats")
	if err := s.CreateDatabase("empty"); err != nil {
		t.Fatal(err)
	}
	clk.set(startMs + 5)
	if _, err := s.Insert("dev", "dogs", records(t, `[{"id":1,"name":"Penny","weight":12.5},{"id":2,"breed":"Lab"}]`)); err != nil {
		t.Fatal(err)
	}
	info, err := s.DescribeTable("dev", "dogs")
	if err != nil {
		t.Fatal(err)
	}
	if info.Schema != "dev" || info.Name != "dogs" || info.HashAttribute != "id" || info.RecordCount != 2 {
		t.Fatalf("info = %+v", info)
	}
	if info.LastUpdatedRecord != startMs+5 || info.Created != startMs || info.TableSize <= 0 || info.DBSize <= 0 {
		t.Fatalf("times/sizes: %+v", info)
	}
	want := `[{"attribute":"__createdtime__","indexed":true},{"attribute":"__updatedtime__"},{"attribute":"breed"},{"attribute":"id","is_primary_key":true},{"attribute":"name"},{"attribute":"weight"}]`
	if got := toJSON(t, info.Attributes); got != want {
		t.Fatalf("attributes\n got %s\nwant %s", got, want)
	}
	body := toJSON(t, info)
	for _, key := range []string{`"schema":"dev"`, `"hash_attribute":"id"`, `"record_count":2`, `"table_size":`, `"last_updated_record":1700000000005`, `"db_size":`} {
		if !strings.Contains(body, key) {
			t.Fatalf("describe_table JSON lacks %s: %s", key, body)
		}
	}
	_, err = s.DescribeTable("dev", "nope")
	wantError(t, err, 404, "Table 'dev.nope' does not exist")
	_, err = s.DescribeTable("nodb", "dogs")
	wantError(t, err, 404, "database 'nodb' does not exist")

	tables, err := s.DescribeDatabase("dev")
	if err != nil || len(tables) != 2 || tables["cats"].RecordCount != 0 || tables["dogs"].RecordCount != 2 {
		t.Fatalf("DescribeDatabase = %+v, %v", tables, err)
	}
	_, err = s.DescribeDatabase("nodb")
	wantError(t, err, 404, "database 'nodb' does not exist")
	all, err := s.DescribeAll()
	if err != nil || len(all) != 2 || len(all["empty"]) != 0 || all["dev"]["dogs"].HashAttribute != "id" {
		t.Fatalf("DescribeAll = %+v, %v", all, err)
	}
	sizes, err := s.TableSizes()
	if err != nil {
		t.Fatal(err)
	}
	if got := toJSON(t, sizes); !strings.HasPrefix(got, `[{"database":"dev","table":"cats","table_size":0,"record_count":0},{"database":"dev","table":"dogs","table_size":`) ||
		!strings.HasSuffix(got, `"record_count":2}]`) || sizes[1].TableSize != info.TableSize {
		t.Fatalf("TableSizes = %s", got)
	}
}

func TestReopenKeepsDataAndCounts(t *testing.T) {
	s, _, dir := newStore(t, Options{})
	mustTable(t, s, "dev", "dogs")
	if _, err := s.Insert("dev", "dogs", records(t, `[{"id":1,"name":"a"},{"id":"x","age":3},{"id":2}]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete("dev", "dogs", values(t, `[2]`)); err != nil {
		t.Fatal(err)
	}
	before, _ := s.DescribeTable("dev", "dogs")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err := s.DescribeTable("dev", "dogs")
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	s2, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	after, err := s2.DescribeTable("dev", "dogs")
	if err != nil {
		t.Fatal(err)
	}
	if after.RecordCount != 2 || toJSON(t, after) != toJSON(t, before) {
		t.Fatalf("after reopen\n got %s\nwant %s", toJSON(t, after), toJSON(t, before))
	}
	if got := ids(t, scanAll(t, s2, "dev", "dogs")); got != `[1,"x"]` {
		t.Fatalf("records after reopen: %s", got)
	}
}

func TestOpenIgnoresForeignFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"notes.txt", "bad`name.bolt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if len(s.Databases()) != 0 {
		t.Fatalf("Databases = %v", s.Databases())
	}
}

func TestDropDatabaseWaitsForReads(t *testing.T) {
	s, _ := dogsTable(t)
	inside, release := make(chan struct{}), make(chan struct{})
	scanDone := make(chan error, 1)
	go func() {
		first := true
		scanDone <- s.Scan(context.Background(), "dev", "dogs", func(map[string]any) error {
			if first {
				first = false
				close(inside)
				<-release
			}
			return nil
		})
	}()
	<-inside
	dropDone := make(chan error, 1)
	go func() { dropDone <- s.DropDatabase("dev") }()
	close(release)
	if err := <-scanDone; err != nil {
		t.Fatalf("scan interrupted by the drop: %v", err)
	}
	if err := <-dropDone; err != nil {
		t.Fatalf("DropDatabase: %v", err)
	}
	_, err := s.DescribeTable("dev", "dogs")
	wantError(t, err, 404, "database 'dev' does not exist")
}

func TestStatusOf(t *testing.T) {
	if got := StatusOf(fmt.Errorf("wrapped: %w", errTableNotFound("d", "t"))); got != http.StatusNotFound {
		t.Fatalf("StatusOf(wrapped 404) = %d", got)
	}
	if got := StatusOf(ErrClosed); got != http.StatusInternalServerError {
		t.Fatalf("StatusOf(ErrClosed) = %d", got)
	}
	if got := badRequest(ErrMsgRequired, "x").HTTPStatus(); got != http.StatusBadRequest {
		t.Fatalf("HTTPStatus = %d", got)
	}
}
