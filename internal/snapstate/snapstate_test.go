package snapstate_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/snapstate"
)

// chip is a fake stateful device whose kind and version a test sets.
type chip struct {
	kind    string
	version int
	regs    [4]uint8
	queue   []byte
}

type chipState struct {
	Regs  [4]uint8
	Queue []byte
}

func (c *chip) StateKind() (string, int) { return c.kind, c.version }
func (c *chip) SaveState() any           { return &chipState{c.regs, append([]byte(nil), c.queue...)} }
func (c *chip) LoadState(state any) error {
	s, err := bus.StateAs[chipState](c.kind, state)
	if err != nil {
		return err
	}
	if len(s.Queue) > 8 {
		return errors.New("queue too long")
	}
	c.regs, c.queue = s.Regs, s.Queue
	return nil
}

func TestSaveLoad(t *testing.T) {
	t.Parallel()
	a := &chip{kind: "chip", version: 1, regs: [4]uint8{1, 0, 3, 0}, queue: []byte("ab")}
	b, err := snapstate.Save(a)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh chip with other values: fields saved as zero must come back zero.
	c := &chip{kind: "chip", version: 1, regs: [4]uint8{9, 9, 9, 9}}
	if err := snapstate.Load("u1", c, b); err != nil {
		t.Fatal(err)
	}
	if c.regs != a.regs || string(c.queue) != "ab" {
		t.Fatalf("loaded %v %q, saved %v %q", c.regs, c.queue, a.regs, a.queue)
	}

	for _, tc := range []struct {
		dev  *chip
		blob []byte
		want string
	}{
		{&chip{kind: "chip", version: 2}, b, "device u1 (chip) has state version 1, this do86 reads version 2: boot again and save a new snapshot"},
		{&chip{kind: "other", version: 1}, b, "device u1 is of kind other, the snapshot's u1 of kind chip"},
		{&chip{kind: "chip", version: 1}, []byte("garbage"), "device u1: its state does not decode"},
		{&chip{kind: "chip", version: 1}, b[:len(b)/2], "device u1: its state does not decode"},
	} {
		err := snapstate.Load("u1", tc.dev, tc.blob)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s v%d: %v, want %q", tc.dev.kind, tc.dev.version, err, tc.want)
		}
	}
	var ve *snapstate.VersionError
	if err := snapstate.Load("u1", &chip{kind: "chip", version: 2}, b); !errors.As(err, &ve) || ve.Saved != 1 || ve.Running != 2 {
		t.Errorf("a version mismatch is not a VersionError: %v", err)
	}

	// LoadState's own refusal names the device.
	long, err := snapstate.Save(&chip{kind: "chip", version: 1, queue: make([]byte, 20)})
	if err != nil {
		t.Fatal(err)
	}
	if err := snapstate.Load("u1", &chip{kind: "chip", version: 1}, long); err == nil || !strings.HasPrefix(err.Error(), "device u1 (chip): queue too long") {
		t.Errorf("LoadState's error: %v", err)
	}
}

func TestSchema(t *testing.T) {
	t.Parallel()
	type inner struct{ X, Y int16 }
	type good struct {
		A [2]inner
		M map[uint32][]byte
		S string
	}
	s, err := snapstate.Schema(&good{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "{A [2]{X int16;Y int16};M map[uint32][]uint8;S string}"; s != want {
		t.Errorf("schema %s, want %s", s, want)
	}
	type ptr struct{ P *int }
	type iface struct{ I any }
	type fn struct{ F func() }
	type hidden struct{ x int }
	type embedded struct{ inner }
	for _, v := range []any{&ptr{}, &iface{}, &fn{}, &hidden{}, &embedded{}, 3} {
		if _, err := snapstate.Schema(v); err == nil {
			t.Errorf("%T has a schema", v)
		}
	}
}
