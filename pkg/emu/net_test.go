package emu_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/pager"
)

// TestNetKolibriLease: KolibriOS finds the RTL8029AS by itself at boot and
// configures it by DHCP; the user-mode network sees the lease go to the
// card's address. A snapshot then resumed into a machine configured with
// another address keeps the card's address (and so its lease).
func TestNetKolibriLease(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the shared images, the core and SeaBIOS")
	}
	cfg := kolibriConfig(t)
	cfg.Net = emu.NetConfig{Mode: "user", MAC: [6]byte{0x02, 0xD0, 0x86, 0x00, 0x00, 0x17}}
	v := start(t, cfg)
	deadline := time.Now().Add(300 * time.Second)
	var leases []emu.NetLease
	for len(leases) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("KolibriOS took no DHCP lease within 300 s")
		}
		time.Sleep(time.Second)
		leases = v.NetLeases()
	}
	if l := leases[0]; l.MAC != "02:d0:86:00:00:17" || l.IP != "10.0.2.15" {
		t.Fatalf("lease %+v, want 10.0.2.15 for 02:d0:86:00:00:17", l)
	}
	t.Logf("KolibriOS took %s", leases[0].IP)

	store, err := pager.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	v.onLoop(func() { _, err = v.Snapshot(store, "k") })
	if err != nil {
		t.Fatal(err)
	}
	v.cancel()
	<-v.done
	v.Close()

	other := withBIOS(t, kolibriConfig(t))
	other.Net = emu.NetConfig{Mode: "user", MAC: [6]byte{0x02, 0xD0, 0x86, 0x00, 0x00, 0x99}}
	m, err := emu.Resume(other, store, "k")
	if err != nil {
		t.Fatal(err)
	}
	if mac, ok := m.NetMAC(); !ok || mac != "02:d0:86:00:00:17" {
		t.Fatalf("resumed card's address %q, want the snapshot's 02:d0:86:00:00:17", mac)
	}
	r := run(t, m)
	time.Sleep(3 * time.Second)
	select {
	case <-r.done:
		t.Fatalf("the resumed machine stopped: %v", r.err)
	default:
	}

	// Without the card the snapshot does not fit the machine.
	none := withBIOS(t, kolibriConfig(t))
	if m, err := emu.Resume(none, store, "k"); err == nil {
		m.Close()
		t.Fatal("a snapshot with a network card resumed into a machine without one")
	}
}
