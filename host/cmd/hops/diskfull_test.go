package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// diskFullSize is the tmpfs hops runs on in TestDiskFull: room for its
// root (logs, keys, the stores) and a table, small enough to fill fast.
const diskFullSize = "48m"

// mountTmpfs mounts a tmpfs of size on a new directory and unmounts it at
// cleanup; it skips the test when that is not possible (not root, no
// CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes zeros to path until the disk is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// TestDiskFull: with the disk full, writes answer 507 with a clear
// message (never a 500), and every record acknowledged before or between
// them is there after the disk is freed and hops restarted.
func TestDiskFull(t *testing.T) {
	mnt := mountTmpfs(t, diskFullSize)
	root := filepath.Join(mnt, "hops")
	in := startHops(t, root, "", "LOGGING_LEVEL=info")
	recExpect(t, "create_table", in.admin(t, map[string]any{"operation": "create_table", "database": "h6", "table": "t", "primary_key": "id"}), 200, "")

	pad := strings.Repeat("x", 2000)
	var acked []int
	next := 0
	insert := func() response {
		recs := make([]map[string]any, 50)
		for i := range recs {
			recs[i] = map[string]any{"id": next + i, "pad": pad}
		}
		r := in.admin(t, map[string]any{"operation": "insert", "database": "h6", "table": "t", "records": recs})
		if r.Status == 200 {
			for i := range recs {
				acked = append(acked, next+i)
			}
		}
		next += len(recs)
		return r
	}
	for range 4 {
		recExpect(t, "insert before the disk is full", insert(), 200, "")
	}

	filler := filepath.Join(mnt, "filler")
	fillDisk(t, filler)
	full := 0
	for i := 0; i < 40 && full < 3; i++ {
		r := insert()
		switch r.Status {
		case 200:
		case 507:
			if r.Error() != "Insufficient storage: the disk holding hops' data is full, so this request's changes were not saved; free space and retry" {
				t.Fatalf("507 message %s", r.Raw)
			}
			full++
		default:
			t.Fatalf("insert on a full disk: %d %s", r.Status, r.Raw)
		}
	}
	if full == 0 {
		t.Fatal("no insert was refused 507 on a full disk")
	}
	r := in.admin(t, map[string]any{"operation": "add_user", "username": "h6_user", "password": "Full#Disk1", "role": "super_user", "active": true})
	if r.Status != 507 && r.Status != 200 {
		t.Fatalf("add_user on a full disk: %d %s", r.Status, r.Raw)
	}
	if strings.Contains(in.out.String(), "panic") {
		t.Fatalf("a panic on a full disk:\n%s", in.out.String())
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	in.restart()
	recExpect(t, "insert after space came back", insert(), 200, "")
	r = in.admin(t, map[string]any{"operation": "search_by_hash", "database": "h6", "table": "t",
		"hash_values": acked, "get_attributes": []string{"id"}})
	var got []map[string]any
	r.JSON(t, &got)
	if r.Status != 200 || len(got) != len(acked) {
		t.Fatalf("after a full disk: %d of %d acknowledged records found (status %d)", len(got), len(acked), r.Status)
	}
	t.Logf("%d records acknowledged, %d inserts refused 507", len(acked), full)
}
