package emu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/pkg/images"
)

// Request says what to boot, as a user names it: an image (a catalog name
// or a file) and options. Zero values take defaults. Resolve turns it into
// a Config.
type Request struct {
	// Image is a catalog name ("kolibri") or an image file, whose kind
	// (floppy, ISO, disk, Multiboot kernel, bzImage) is detected from its
	// content. Empty with no media below boots the catalog's default.
	Image string
	// ImageDir is searched first for catalog images ("" =
	// $DO86_IMAGE_DIR); Offline forbids downloads; Progress receives a
	// download's progress line (nil: quiet).
	ImageDir string
	Offline  bool
	Progress io.Writer

	// Memory is guest RAM in bytes (0: the catalog entry's, else 128 MiB).
	Memory uint64
	// NoJIT runs the core's interpreter only.
	NoJIT bool
	// BIOS and VGABIOS are firmware files ("": Debian's SeaBIOS).
	BIOS, VGABIOS string

	// Media and direct boot, as in Config. A file given as Image goes to
	// the drive its kind implies, which must then be empty here.
	Floppy                 [2]string
	HDA, HDB, CDROM        string
	Persist                bool
	Overlay                string
	Kernel, Initrd, Append string
	Multiboot              string
	Modules                []string
	AHCIDisk               string
	AHCIDiskSize           int64
	// Boot is the boot order (fda, fdb, cdrom, hda, hdb); empty: Image's
	// drive first, then floppy, CD, hard disk.
	Boot []string

	// Logger receives what Resolve found (the image's kind); nil: nothing.
	Logger *slog.Logger

	// resumeOnly places the media given, for ResumeConfig: no default
	// image, and no media is no error.
	resumeOnly bool
}

// FieldError is a bad value of a Request or Config field. Its message names
// fields by their Go names (Initrd, Memory), so that a front end can word
// it in its own terms (see FieldNames).
type FieldError struct {
	Field string // the field at fault
	Value string // its value, "" when the field's presence is the fault
	Msg   string // what is wrong, in a phrase that may name other fields
}

func (e *FieldError) Error() string {
	if e.Value == "" {
		return e.Field + " " + e.Msg
	}
	return fmt.Sprintf("%s %q: %s", e.Field, e.Value, e.Msg)
}

// FieldNames lists the field names a FieldError's text may use, for front
// ends that rename them (the CLI says --initrd for Initrd).
var FieldNames = []string{"Image", "Memory", "BIOS", "VGABIOS", "Floppy", "HDA", "HDB", "CDROM",
	"Persist", "Overlay", "Kernel", "Initrd", "Append", "Multiboot", "Modules", "AHCIDisk",
	"AHCIDiskSize", "Boot"}

func fieldErr(field, value, format string, a ...any) error {
	return &FieldError{Field: field, Value: value, Msg: fmt.Sprintf(format, a...)}
}

// DefaultMemory is the guest RAM of a machine no one gave a size.
const DefaultMemory = 128 << 20

// Resolve turns a request into a validated Config: the image looked up (a
// file as it is, else a catalog name: image directory, cache, download),
// its kind detected and its drive chosen, the catalog's defaults applied
// (memory, an AHCI disk), the boot order derived, the firmware loaded.
// Errors name Request fields (a *FieldError) or the file at fault.
func Resolve(ctx context.Context, req Request) (Config, error) {
	log := req.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := Config{
		Logger: req.Logger,
		Memory: uint32(min(req.Memory, 1<<32-1)), JIT: !req.NoJIT,
		Floppy: req.Floppy, HDA: req.HDA, HDB: req.HDB, CDROM: req.CDROM,
		Persist: req.Persist, Overlay: req.Overlay,
		Kernel: req.Kernel, Initrd: req.Initrd, Append: req.Append,
		Multiboot: req.Multiboot, Modules: req.Modules,
		AHCIDisk: req.AHCIDisk, AHCIDiskSize: req.AHCIDiskSize,
	}
	if req.Memory > core.MaxMemory {
		return cfg, fieldErr("Memory", fmt.Sprintf("%dM", req.Memory>>20), "is more than the CPU core supports (at most 2047M)")
	}
	image := req.Image
	if image == "" && !cfg.hasMedia() && !req.resumeOnly {
		image = images.Default
	}
	var first string // the boot device the image implies
	if image != "" {
		path, entry, err := resolveImage(ctx, image, req)
		if err != nil {
			return cfg, err
		}
		cfg.Name = image
		if entry != nil {
			cfg.Name = entry.Name
			if cfg.Memory == 0 && entry.MemoryMiB > 0 {
				cfg.Memory = uint32(entry.MemoryMiB) << 20
			}
			if cfg.AHCIDiskSize == 0 && cfg.AHCIDisk == "" {
				cfg.AHCIDiskSize = entry.AHCIDiskSize
			}
		} else {
			cfg.Name = filepath.Base(path)
		}
		if first, err = cfg.place(path); err != nil {
			return cfg, err
		}
	} else {
		cfg.Name = cfg.mediaName()
	}
	if cfg.Memory == 0 {
		cfg.Memory = DefaultMemory
	}
	if err := cfg.Validate(); err != nil && !(req.resumeOnly && !cfg.hasMedia()) {
		return cfg, err
	}
	if err := cfg.checkDistinct(); err != nil {
		return cfg, err
	}
	var err error
	if cfg.Boot, err = bootOrder(req.Boot, first, cfg); err != nil {
		return cfg, err
	}
	if cfg.BIOS, err = images.LoadBIOS(req.BIOS, images.BIOSPaths, "BIOS"); err != nil {
		return cfg, err
	}
	if cfg.VGABIOS, err = images.LoadBIOS(req.VGABIOS, images.VGABIOSPaths, "VGA BIOS"); err != nil {
		return cfg, err
	}
	log.Info("booting "+cfg.Name, "kind", cfg.Kind)
	return cfg, nil
}

// resolveImage finds the file an image names: an existing file as it is,
// else a catalog entry's file.
func resolveImage(ctx context.Context, arg string, req Request) (string, *images.Entry, error) {
	if _, err := os.Stat(arg); err == nil {
		return arg, nil, nil
	}
	e, ok := images.Lookup(arg)
	if !ok {
		if p, ok := inImageDir(arg, req.ImageDir); ok {
			return p, nil, nil
		}
		_, err := os.Stat(arg)
		return "", nil, fmt.Errorf("%w (and %q is neither a catalog image (%s) nor a file in the image directory)", err, arg, strings.Join(images.Names(), ", "))
	}
	path, err := images.ResolveEntry(ctx, e, images.ResolveOptions{ImageDir: req.ImageDir, Offline: req.Offline, Progress: req.Progress})
	if err != nil {
		return "", nil, err
	}
	return path, &e, nil
}

// place detects the kind of the image file at path and puts it in the
// drive (or direct-boot slot) the kind implies, returning that drive's
// boot-order name ("" for a kernel booted directly).
func (c *Config) place(path string) (string, error) {
	d, err := images.Detect(path)
	if err != nil {
		return "", err
	}
	var slot *string
	var first, field string
	switch d.Kind {
	case images.Floppy:
		slot, first, field = &c.Floppy[0], "fda", "Floppy"
	case images.CDROM:
		if !d.Bootable {
			return "", fmt.Errorf("%s is an ISO 9660 image without an El Torito boot record: it cannot boot (attach it as a CD-ROM to boot from something else)", path)
		}
		slot, first, field = &c.CDROM, "cdrom", "CDROM"
	case images.HardDisk:
		slot, first, field = &c.HDA, "hda", "HDA"
	case images.Multiboot:
		slot, field = &c.Multiboot, "Multiboot"
	case images.BzImage:
		slot, field = &c.Kernel, "Kernel"
	default:
		return "", fmt.Errorf("%s is a %s: booting it is not supported yet", path, d.Kind)
	}
	if *slot != "" {
		return "", fieldErr(field, *slot, "is given, but the image %s is a %s, which goes there too", path, d.Kind)
	}
	*slot = path
	c.Kind = d.String()
	return first, nil
}

// hasMedia reports whether any drive or direct-boot kernel is configured.
func (c *Config) hasMedia() bool {
	return c.mediaName() != ""
}

// mediaName is the base name of the first medium configured, "" for none.
func (c *Config) mediaName() string {
	for _, p := range []string{c.Floppy[0], c.CDROM, c.HDA, c.AHCIDisk, c.Kernel, c.Multiboot, c.Floppy[1], c.HDB} {
		if p != "" {
			return filepath.Base(p)
		}
	}
	return ""
}

// Validate checks the configuration's fields against each other and
// against the core's limits, without touching any file. New calls it.
func (c *Config) Validate() error {
	switch {
	case c.Memory > core.MaxMemory:
		return fieldErr("Memory", fmt.Sprintf("%dM", c.Memory>>20), "is more than the CPU core supports (at most 2047M)")
	case c.Memory != 0 && c.Memory < 2<<20:
		return fieldErr("Memory", fmt.Sprintf("%dK", c.Memory>>10), "is too small (at least 2M)")
	case !c.hasMedia():
		return errors.New("nothing to boot: give an image, a drive (Floppy, CDROM, HDA) or a kernel (Kernel, Multiboot)")
	case c.Persist && c.Overlay != "":
		return fieldErr("Persist", "", "and Overlay exclude each other: writes go either to the image or to the overlay")
	case c.Kernel != "" && c.Multiboot != "":
		return fieldErr("Kernel", "", "and Multiboot exclude each other")
	case c.Kernel == "" && c.Multiboot == "" && (c.Initrd != "" || len(c.Modules) > 0):
		return fieldErr("Initrd", "", "and Modules need a kernel (Kernel or Multiboot)")
	case c.Multiboot != "" && c.Initrd != "":
		return fieldErr("Initrd", "", "goes with Kernel; a Multiboot kernel takes Modules")
	case c.Kernel != "" && len(c.Modules) > 0:
		return fieldErr("Modules", "", "go with Multiboot, not Kernel")
	case c.Overlay != "" && c.HDA == "":
		return fieldErr("Overlay", c.Overlay, "keeps the writes to HDA, and there is no HDA")
	case c.AHCIDiskSize < 0:
		return fieldErr("AHCIDiskSize", fmt.Sprint(c.AHCIDiskSize), "is negative")
	}
	for _, b := range c.Boot {
		if !validBootDevice(b) {
			return fieldErr("Boot", strings.Join(c.Boot, ","), "%q is not one of fda, fdb, cdrom, hda, hdb", b)
		}
	}
	return nil
}

func validBootDevice(b string) bool {
	switch b {
	case "fda", "fdb", "cdrom", "hda", "hdb":
		return true
	}
	return false
}

// bootOrder checks an explicit order, or derives one from the media: the
// image's drive first, then floppy, CD, hard disk.
func bootOrder(given []string, first string, cfg Config) ([]string, error) {
	if len(given) > 0 {
		var out []string
		for _, b := range given {
			b = strings.TrimSpace(b)
			if !validBootDevice(b) {
				return nil, fieldErr("Boot", strings.Join(given, ","), "%q is not one of fda, fdb, cdrom, hda, hdb", b)
			}
			out = append(out, b)
		}
		return out, nil
	}
	var out []string
	if first != "" {
		out = append(out, first)
	}
	for _, b := range []struct {
		name string
		has  bool
	}{{"fda", cfg.Floppy[0] != ""}, {"fdb", cfg.Floppy[1] != ""}, {"cdrom", cfg.CDROM != ""}, {"hda", cfg.HDA != ""}, {"hdb", cfg.HDB != ""}} {
		if b.has && b.name != first {
			out = append(out, b.name)
		}
	}
	return out, nil
}

// checkDistinct refuses one image file in two writable drives: their
// writes would go to one file (with Persist) or diverge silently.
func (c *Config) checkDistinct() error {
	type drive struct{ field, path string }
	var ds []drive
	for _, d := range []drive{{"Floppy", c.Floppy[0]}, {"Floppy", c.Floppy[1]}, {"HDA", c.HDA}, {"HDB", c.HDB}, {"AHCIDisk", c.AHCIDisk}} {
		if d.path != "" {
			ds = append(ds, d)
		}
	}
	for i := range ds {
		a, err := os.Stat(ds[i].path)
		if err != nil {
			continue // New reports it
		}
		for j := i + 1; j < len(ds); j++ {
			if b, err := os.Stat(ds[j].path); err == nil && os.SameFile(a, b) {
				return fieldErr(ds[j].field, ds[j].path, "is the same image as %s: one image file can be in one drive only", ds[i].field)
			}
		}
	}
	return nil
}

// imageExts are the endings tried when a name is looked up in the image
// directory without one.
var imageExts = []string{"", ".img", ".iso", ".ima", ".vfd", ".bin", ".elf", ".raw"}

// inImageDir finds name in the image directory (dir, else $DO86_IMAGE_DIR)
// as a file of its own that is not a catalog entry: "mydisk" finds
// mydisk.img there.
func inImageDir(name, dir string) (string, bool) {
	if dir == "" {
		dir = os.Getenv(images.EnvImageDir)
	}
	if dir == "" || strings.ContainsAny(name, `/\`) {
		return "", false
	}
	for _, ext := range imageExts {
		p := filepath.Join(dir, name+ext)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}
