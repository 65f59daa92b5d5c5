package emu_test

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/pager"
)

// kolibriChildEnv, when set to a directory, makes TestSnapshotKolibri the
// process that resumes the snapshot saved there.
const kolibriChildEnv = "DO86_SNAPSHOT_KOLIBRI_DIR"

func kolibriConfig(t *testing.T) emu.Config {
	return emu.Config{Memory: 128 << 20, JIT: true, Floppy: [2]string{testenv.Image(t, "kolibri.img")}}
}

// rss returns the process's resident set in MiB.
func rss() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			var kb int
			fmt.Sscan(f[1], &kb)
			return kb >> 10
		}
	}
	return 0
}

// TestSnapshotKolibri is the acceptance test of snapshots: KolibriOS is
// snapshotted at its desktop, then resumed in a new process, whose first
// screenshot must equal the one taken when saving and whose guest must keep
// running (its clock advances, the mouse moves the pointer). It also takes
// ten snapshots of the running desktop and reports what they cost.
func TestSnapshotKolibri(t *testing.T) {
	testenv.SkipShort(t, "the CPU core, SeaBIOS and the shared images")
	if dir := os.Getenv(kolibriChildEnv); dir != "" {
		resumeKolibri(t, dir)
		return
	}
	dir := t.TempDir()
	storePath := filepath.Join(dir, "store.db")
	store, err := pager.Open(storePath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	want := loadPNG(t, testenv.Image(t, "kolibri.png"))
	v := start(t, kolibriConfig(t))
	v.waitScreen(want, 0.5, 150*time.Second)
	time.Sleep(2 * time.Second)
	t.Logf("RSS after boot: %d MiB", rss())

	// Ten snapshots of the running desktop, a little apart.
	for i := 0; i < 10; i++ {
		var st emu.SnapshotStats
		v.onLoop(func() { st, err = v.Snapshot(store, fmt.Sprintf("k%d", i)) })
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("snapshot k%d: %d pages (%d zero), %d unique (%d MiB), wrote %d (%.1f MiB); hashed %d in %v, store %v",
			i, st.Pages, st.ZeroPages, st.Unique, st.Unique*pager.PageSize>>20, st.Written, float64(st.WrittenBytes)/(1<<20), st.Hashed,
			st.HashTime.Round(time.Millisecond), st.StoreTime.Round(time.Millisecond))
		if i > 0 && st.Written*10 > st.Unique {
			t.Fatalf("incremental snapshot k%d wrote %d of %d pages", i, st.Written, st.Unique)
		}
		time.Sleep(200 * time.Millisecond)
	}
	u, err := store.Usage()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10 snapshots: %d pages stored (%.1f MiB, file %.1f MiB) for %d references: sharing %.1fx",
		u.Pages, float64(u.Bytes)/(1<<20), float64(u.FileBytes)/(1<<20), u.Referenced, float64(u.Referenced)/float64(u.Pages))

	// The snapshot to resume, with the screen as it is at that moment.
	v.onLoop(func() {
		if err = v.Screenshot(filepath.Join(dir, "before.png")); err == nil {
			_, err = v.Snapshot(store, "kolibri")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// The same snapshot into an empty store of raw pages, for the numbers.
	cs, err := pager.OpenWith(filepath.Join(dir, "raw.db"), pager.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var cst emu.SnapshotStats
	v.onLoop(func() { cst, err = v.Snapshot(cs, "kolibri") })
	cs.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a full snapshot into an empty store of raw pages: %.1f MiB in %v (hashing %v)",
		float64(cst.WrittenBytes)/(1<<20), cst.StoreTime.Round(time.Millisecond), cst.HashTime.Round(time.Millisecond))
	v.cancel()
	<-v.done
	store.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestSnapshotKolibri$", "-test.v")
	cmd.Env = append(os.Environ(), kolibriChildEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "snapshot_kolibri_test.go") {
			t.Log("child:" + l)
		}
	}
	if err != nil {
		t.Fatalf("the resuming process failed: %v\n%s", err, out)
	}
}

// resumeKolibri is the second process: it resumes the snapshot in dir and
// checks the screen and that the guest runs on.
func resumeKolibri(t *testing.T, dir string) {
	store, err := pager.Open(filepath.Join(dir, "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	// New and Restore apart (Resume does both), to see what each costs.
	t0 := time.Now()
	m, err := emu.New(withBIOS(t, kolibriConfig(t)))
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	if err := m.Restore(store, "kolibri"); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Logf("resume took %v: a new machine %v, the restore %v", time.Since(t0).Round(time.Millisecond),
		t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	after := filepath.Join(dir, "after.png")
	if err := m.Screenshot(after); err != nil {
		t.Fatal(err)
	}
	a, b := loadPNG(t, filepath.Join(dir, "before.png")), loadPNG(t, after)
	if a.Rect != b.Rect || !bytes.Equal(a.Pix, b.Pix) {
		t.Fatalf("the first screenshot after resume differs from the one when saving: %v vs %v, changed %v", a.Rect, b.Rect, changedBox(a, b))
	}
	clock := m.Clock().Now()
	v := run(t, m)
	time.Sleep(1 * time.Second)
	before := v.image()
	for i := 0; i < 10; i++ {
		v.Mouse(10, 8, 0, 0)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		box := changedBox(before, v.image()).Intersect(image.Rect(0, 0, 1024, 730))
		if box.Dx() >= 90 && box.Dy() >= 70 {
			t.Logf("the pointer moved: changed area %v", box)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pointer did not move after resume: changed area %v", box)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The USB controller and the tablet came back with the snapshot: the
	// guest drives the tablet on, and a position lands exactly.
	deadline = time.Now().Add(20 * time.Second)
	for !v.PointerAbsolute() {
		if time.Now().After(deadline) {
			t.Fatal("the resumed guest does not drive the USB tablet")
		}
		time.Sleep(100 * time.Millisecond)
	}
	before = v.image()
	v.Pointer(300, 500, 1024, 768, 0, 0)
	v.waitArrow(before, image.Pt(300, 500))
	var now float64
	v.onLoop(func() { now = v.Clock().Now() })
	if now < clock+1000 {
		t.Fatalf("the guest clock went from %v to %v ms in over a second", clock, now)
	}
	t.Logf("RSS after resume: %d MiB", rss())
}
