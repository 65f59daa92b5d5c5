package disk

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize reads a size such as "32M" (the --memory and --ahci-disk-size
// flags): a whole number of bytes, or of KiB, MiB, GiB or TiB with a K, M, G
// or T suffix (either case, optionally followed by "B" or "iB").
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	binary := strings.HasSuffix(t, "iB")
	t = strings.TrimSuffix(strings.TrimSuffix(t, "iB"), "B")
	shift := 0
	if t != "" {
		switch t[len(t)-1] {
		case 'k', 'K':
			shift = 10
		case 'm', 'M':
			shift = 20
		case 'g', 'G':
			shift = 30
		case 't', 'T':
			shift = 40
		}
		if shift != 0 {
			t = t[:len(t)-1]
		}
	}
	if binary && shift == 0 {
		t = "" // "iB" needs a multiplier
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<63-1)>>shift {
		return 0, fmt.Errorf("bad size %q: want a number of bytes, or with a K, M or G suffix", s)
	}
	return n << shift, nil
}
