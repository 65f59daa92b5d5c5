package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/images"
)

// buildConfig turns run's flags and argument into a machine configuration:
// the image resolved (a file, or a catalog name), its kind detected, the
// catalog's defaults applied, the firmware loaded.
func buildConfig(ctx context.Context, f *runFlags, args []string) (cfg emu.Config, err error) {
	if len(args) == 0 && f.fda == "" && f.fdb == "" && f.hda == "" && f.hdb == "" && f.cdrom == "" && f.kernel == "" && f.multiboot == "" {
		args = []string{images.Default}
	}
	memFlag := f.memory
	var ahciSize int64
	if f.ahciDiskSize != "" {
		n, err := disk.ParseSize(f.ahciDiskSize)
		if err != nil || n <= 0 {
			return cfg, fmt.Errorf("--ahci-disk-size %q: want a size such as 32M", f.ahciDiskSize)
		}
		ahciSize = n
	}
	if len(args) == 1 {
		path, entry, err := resolveImage(ctx, args[0], f.imageDir)
		if err != nil {
			return cfg, err
		}
		if entry != nil {
			if memFlag == "" && entry.MemoryMiB > 0 {
				memFlag = fmt.Sprintf("%dM", entry.MemoryMiB)
			}
			if ahciSize == 0 && f.ahciDisk == "" {
				ahciSize = entry.AHCIDiskSize
			}
		}
		args = []string{path}
	}
	if memFlag == "" {
		memFlag = "128M"
	}
	mem, err := parseMemory(memFlag)
	if err != nil {
		return cfg, err
	}
	cfg = emu.Config{Memory: mem, JIT: f.jit, NoUSB: !f.usb}
	cfg.Floppy = [2]string{f.fda, f.fdb}
	cfg.HDA, cfg.HDB, cfg.CDROM = f.hda, f.hdb, f.cdrom
	cfg.Persist, cfg.Overlay = f.persist, f.overlay
	cfg.Kernel, cfg.Initrd, cfg.Append = f.kernel, f.initrd, f.appendLine
	cfg.Multiboot, cfg.Modules = f.multiboot, f.modules
	cfg.AHCIDisk, cfg.AHCIDiskSize = f.ahciDisk, ahciSize
	cfg.Log = os.Stderr
	if f.persist && f.overlay != "" {
		return cfg, errors.New("--persist and --overlay exclude each other: writes go either to the image or to the overlay")
	}
	var first string // the boot device the positional file implies
	if len(args) == 1 {
		d, err := images.Detect(args[0])
		if err != nil {
			return cfg, err
		}
		var slot *string
		switch d.Kind {
		case images.Floppy:
			slot, first = &cfg.Floppy[0], "fda"
		case images.CDROM:
			if !d.Bootable {
				return cfg, fmt.Errorf("%s is an ISO 9660 image without an El Torito boot record: it cannot boot (attach it with --cdrom to boot from something else)", args[0])
			}
			slot, first = &cfg.CDROM, "cdrom"
		case images.HardDisk:
			slot, first = &cfg.HDA, "hda"
		case images.Multiboot:
			slot = &cfg.Multiboot
		case images.BzImage:
			slot = &cfg.Kernel
		default:
			return cfg, fmt.Errorf("%s is a %s: booting it is not supported yet", args[0], d.Kind)
		}
		if *slot != "" {
			return cfg, fmt.Errorf("%s is a %s, but that drive is already given by a flag", args[0], d.Kind)
		}
		*slot = args[0]
		fmt.Fprintf(os.Stderr, "do86: %s: %s\n", args[0], d.Kind)
	}
	if cfg.Floppy[0] == "" && cfg.Floppy[1] == "" && cfg.HDA == "" && cfg.HDB == "" && cfg.CDROM == "" && cfg.Kernel == "" && cfg.Multiboot == "" {
		return cfg, errors.New("nothing to boot: give an image file, or --fda, --cdrom, --hda, --kernel or --multiboot")
	}
	if cfg.Boot, err = bootOrder(f.boot, first, cfg); err != nil {
		return cfg, err
	}
	if cfg.BIOS, err = images.LoadBIOS(f.bios, images.BIOSPaths, "BIOS"); err != nil {
		return cfg, err
	}
	if cfg.VGABIOS, err = images.LoadBIOS(f.vgabios, images.VGABIOSPaths, "VGA BIOS"); err != nil {
		return cfg, err
	}
	return cfg, nil
}
