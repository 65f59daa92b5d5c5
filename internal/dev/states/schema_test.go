package states_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/do86/do86/internal/snapstate"
)

var update = flag.Bool("update", false, "record new kinds and versions in testdata/states.golden")

const (
	goldenPath = "testdata/states.golden"
	updateCmd  = "`go test ./internal/dev/states -update`"
	header     = `Every device state's kind, version and schema hash (snapstate.SchemaHash).
A State struct that changes shape needs a version bump first; then
go test ./internal/dev/states -update records the new version.`
)

// TestStateSchemas fails when a device's State struct changed shape without
// a version bump, when a kind or version is not in the golden file, and
// when the golden file lists a kind no device has. With -update it records
// new kinds and versions, never a changed shape at an old version.
func TestStateSchemas(t *testing.T) {
	t.Parallel()
	golden, err := snapstate.ReadSchemas(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	now := snapstate.Schemas{}
	var errs []error
	for _, dev := range devices {
		d := dev.build(newRig(t))
		kind, version := d.StateKind()
		if _, dup := now[kind]; dup {
			errs = append(errs, fmt.Errorf("%s: two devices of this kind", kind))
			continue
		}
		rec, err := golden.Check(kind, version, d.SaveState(), updateCmd)
		now[kind] = rec
		if err != nil && !(*update && rec.Hash != "" && snapstate.Bumpable(golden, kind, rec)) {
			errs = append(errs, err)
		}
	}
	for kind := range golden {
		if _, ok := now[kind]; !ok {
			errs = append(errs, fmt.Errorf("%s: in %s but no device has this kind: a kind is never reused; if the device is gone, run %s", kind, goldenPath, updateCmd))
		}
	}
	if *update && len(errs) == 0 {
		if err := snapstate.WriteSchemas(goldenPath, header, now); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, err := range errs {
		t.Error(err)
	}
}

// TestStateKinds checks what the contract asks of every device's kind and
// version, and that LoadState refuses a state of another type.
func TestStateKinds(t *testing.T) {
	t.Parallel()
	for _, dev := range devices {
		d := dev.build(newRig(t))
		kind, version := d.StateKind()
		if kind == "" || strings.ContainsAny(kind, " \t\n#") || version < 1 {
			t.Errorf("%T: kind %q version %d: want a word and a version from 1", d, kind, version)
		}
		if err := d.LoadState(&struct{ X int }{}); err == nil {
			t.Errorf("%s: LoadState took a state of another type", kind)
		}
		if err := d.LoadState(nil); err == nil {
			t.Errorf("%s: LoadState took nil", kind)
		}
	}
}

// TestSchemaCheck shows the golden check at work on a struct that changes:
// a new field at the same version fails however -update is set, a bumped
// version is settled by an update.
func TestSchemaCheck(t *testing.T) {
	t.Parallel()
	type v1 struct {
		A uint8
		B [4]uint16
	}
	type v2 struct {
		A uint8
		B [4]uint16
		C bool
	}
	type renamed struct { // another Go name, the same shape
		A uint8
		B [4]uint16
	}
	h1, err := snapstate.SchemaHash(&v1{})
	if err != nil {
		t.Fatal(err)
	}
	golden := snapstate.Schemas{"chip": {Version: 1, Hash: h1}}
	if _, err := golden.Check("chip", 1, &renamed{}, updateCmd); err != nil {
		t.Errorf("renaming the struct's type: %v", err)
	}
	rec, err := golden.Check("chip", 1, &v2{}, updateCmd)
	if err == nil || !strings.Contains(err.Error(), "bump the version") || snapstate.Bumpable(golden, "chip", rec) {
		t.Errorf("a new field without a bump: %v (settled by -update: %v)", err, snapstate.Bumpable(golden, "chip", rec))
	}
	rec, err = golden.Check("chip", 2, &v2{}, updateCmd)
	if err == nil || !snapstate.Bumpable(golden, "chip", rec) {
		t.Errorf("a new field with a bump: %v, settled by -update: %v", err, snapstate.Bumpable(golden, "chip", rec))
	}
	type bad struct {
		A uint8
		p *int
	}
	if _, err := snapstate.SchemaHash(&bad{}); err == nil {
		t.Error("a state with an unexported pointer has a schema")
	}
}
