package main

import (
	"strings"
	"testing"

	"github.com/do86/do86/pkg/emu"
)

func TestNetFlags(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		f    netFlags
		want emu.NetConfig
		err  string
	}{
		{"run's default", netFlags{mode: "user", nic: "rtl8029"}, emu.NetConfig{Mode: "user", NIC: "rtl8029"}, ""},
		{"serve's default", netFlags{}, emu.NetConfig{}, ""},
		{"none", netFlags{mode: "none", nic: "rtl8029"}, emu.NetConfig{}, ""},
		{"everything", netFlags{mode: "user", nic: "ne2k-isa", forwards: []string{"tcp::8080-:80", "tcp:127.0.0.1:2222-:22"},
			hostLoopback: true, pcap: "x.pcap", mac: "02:d0:86:01:02:03"},
			emu.NetConfig{Mode: "user", NIC: "ne2k-isa", Forwards: []string{"tcp::8080-:80", "tcp:127.0.0.1:2222-:22"},
				HostLoopback: true, PCAP: "x.pcap", MAC: [6]byte{2, 0xD0, 0x86, 1, 2, 3}}, ""},
		{"bad mode", netFlags{mode: "tap"}, emu.NetConfig{}, "--net"},
		{"bad card", netFlags{mode: "user", nic: "e1000"}, emu.NetConfig{}, "--nic"},
		{"bad forward", netFlags{mode: "user", forwards: []string{"udp::53-:53"}}, emu.NetConfig{}, "--forward"},
		{"multicast MAC", netFlags{mode: "user", mac: "01:00:5e:00:00:01"}, emu.NetConfig{}, "--mac"},
		{"forward without a network", netFlags{mode: "none", forwards: []string{"tcp::8080-:80"}}, emu.NetConfig{}, "need --net user"},
	} {
		var cfg emu.Config
		err := c.f.apply(&cfg)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one about %s", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if g := cfg.Net; g.Mode != c.want.Mode || g.NIC != c.want.NIC || g.MAC != c.want.MAC || g.PCAP != c.want.PCAP ||
			g.HostLoopback != c.want.HostLoopback || strings.Join(g.Forwards, " ") != strings.Join(c.want.Forwards, " ") {
			t.Errorf("%s: %+v, want %+v", c.name, g, c.want)
		}
	}
}
