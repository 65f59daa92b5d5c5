package images

import (
	"fmt"
	"os"
)

// BIOSPaths and VGABIOSPaths are where Debian's seabios package puts the
// firmware, in order of preference.
var (
	BIOSPaths    = []string{"/usr/share/seabios/bios-256k.bin", "/usr/share/seabios/bios.bin"}
	VGABIOSPaths = []string{"/usr/share/seabios/vgabios-stdvga.bin"}
)

// LoadBIOS reads the firmware named by flag, else the first of paths that
// exists; what names the firmware in errors ("BIOS", "VGA BIOS").
func LoadBIOS(flag string, paths []string, what string) ([]byte, error) {
	if flag != "" {
		b, err := os.ReadFile(flag)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return b, nil
	}
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("no %s found at %v: install Debian's seabios package (apt-get install seabios) or pass --bios/--vgabios", what, paths)
}
