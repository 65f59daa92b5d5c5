package usernet

import (
	"crypto/sha256"
	"fmt"
	"net"
)

// MACFromName derives a stable card address from a name (an image's, a
// session's): 02:d0:86 (locally administered, unicast) and three bytes of
// the name's SHA-256. The same name always gives the same address.
func MACFromName(name string) [6]byte {
	h := sha256.Sum256([]byte(name))
	return [6]byte{0x02, 0xD0, 0x86, h[0], h[1], h[2]}
}

// ParseMAC reads a unicast MAC address such as 02:d0:86:12:34:56.
func ParseMAC(s string) ([6]byte, error) {
	var m [6]byte
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 || hw[0]&1 != 0 {
		return m, fmt.Errorf("MAC address %q: want six hex bytes such as 02:d0:86:12:34:56, the first one even (unicast)", s)
	}
	copy(m[:], hw)
	return m, nil
}

// FormatMAC writes a MAC address the usual way.
func FormatMAC(m [6]byte) string { return net.HardwareAddr(m[:]).String() }
