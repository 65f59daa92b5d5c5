package emu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/do86/do86/pkg/images"
	"github.com/do86/do86/pkg/pager"
)

// A snapshot knows the media it was made with: each drive's image by path
// (and catalog name), size and fingerprint, and the rest of the
// configuration a resume needs. ResumeConfig finds them again and refuses
// media that changed, so a guest's cached view of a disk is never written
// into another one.

// Medium is one image a machine was built with, as a snapshot records it.
type Medium struct {
	Slot        string // the Config field: "Floppy0", "HDA", "CDROM", "Kernel", "Module1", ...
	Path        string // absolute path when saved
	Catalog     string // the catalog entry it came from, "" for none
	Size        int64
	Fingerprint string // see Fingerprint
}

// savedConfig is what a snapshot keeps of a machine's configuration
// (pager.Info.Config, JSON): enough to build the same machine again.
type savedConfig struct {
	Version      int
	Name, Kind   string
	Memory       uint32
	Media        []Medium
	Append       string
	ModuleArgs   []string
	AHCIDiskSize int64
	Boot         []string
}

const savedConfigVersion = 1

// fingerprintFull is the size up to which a medium is hashed whole; larger
// ones are hashed by samples (see Fingerprint).
const fingerprintFull = 64 << 20

// Fingerprint identifies an image file's content: the sha256 of its size
// and bytes — all of them up to 64 MiB, else its first and last MiB and 256
// blocks of 64 KiB spread evenly between (a few milliseconds for any size).
// Two images with the same fingerprint are taken to be the same.
func Fingerprint(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	size := st.Size()
	h := sha256.New()
	fmt.Fprintf(h, "do86 medium %d\n", size)
	if size <= fingerprintFull {
		if _, err := io.Copy(h, f); err != nil {
			return "", err
		}
		return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
	}
	buf := make([]byte, 1<<20)
	read := func(off int64, n int) error {
		if _, err := f.ReadAt(buf[:n], off); err != nil && err != io.EOF {
			return err
		}
		h.Write(buf[:n])
		return nil
	}
	if err := read(0, 1<<20); err != nil {
		return "", err
	}
	const blocks, block = 256, 64 << 10
	step := (size - 2<<20) / blocks
	for i := int64(0); i < blocks; i++ {
		if err := read(1<<20+i*step, block); err != nil {
			return "", err
		}
	}
	if err := read(size-1<<20, 1<<20); err != nil {
		return "", err
	}
	return "sampled-sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// mediaSlots lists the configuration's image files by slot.
func (c *Config) mediaSlots() []struct{ slot, path string } {
	l := []struct{ slot, path string }{
		{"Floppy0", c.Floppy[0]}, {"Floppy1", c.Floppy[1]}, {"HDA", c.HDA}, {"HDB", c.HDB},
		{"CDROM", c.CDROM}, {"AHCIDisk", c.AHCIDisk}, {"Kernel", c.Kernel}, {"Initrd", c.Initrd},
		{"Multiboot", c.Multiboot},
	}
	for i, spec := range c.Modules {
		file, _ := splitModule(spec)
		l = append(l, struct{ slot, path string }{fmt.Sprintf("Module%d", i), file})
	}
	var out []struct{ slot, path string }
	for _, s := range l {
		if s.path != "" {
			out = append(out, s)
		}
	}
	return out
}

// saveConfig records the machine's configuration and media for a snapshot.
func (m *Machine) saveConfig() ([]byte, error) {
	c := &m.cfg
	sc := savedConfig{Version: savedConfigVersion, Name: c.Name, Kind: c.Kind, Memory: c.Memory,
		Append: c.Append, AHCIDiskSize: c.AHCIDiskSize, Boot: c.Boot}
	for _, spec := range c.Modules {
		_, args := splitModule(spec)
		sc.ModuleArgs = append(sc.ModuleArgs, args)
	}
	if m.media == nil {
		var err error
		if m.media, err = c.fingerprintMedia(); err != nil {
			return nil, err
		}
	}
	sc.Media = m.media
	return json.Marshal(sc)
}

// fingerprintMedia fingerprints every image of the configuration.
func (c *Config) fingerprintMedia() ([]Medium, error) {
	var out []Medium
	for _, s := range c.mediaSlots() {
		abs, err := filepath.Abs(s.path)
		if err != nil {
			return nil, err
		}
		st, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.slot, err)
		}
		fp, err := Fingerprint(abs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.slot, err)
		}
		md := Medium{Slot: s.slot, Path: abs, Size: st.Size(), Fingerprint: fp}
		if e, ok := images.Lookup(c.Name); ok && filepath.Base(abs) == e.File {
			md.Catalog = e.Name
		}
		out = append(out, md)
	}
	return out, nil
}

// ResumeConfig returns the configuration the snapshot name was made with:
// its media found again — at their saved paths, else catalog images
// through req's image directory and the cache, never downloaded — and
// checked against their fingerprints; its memory, boot order and kernel
// command line. Media req names explicitly (a drive or kernel flag, or
// Image) replace the saved ones only when they have the same content;
// req's firmware and JIT settings apply. A snapshot made before media were
// recorded needs its media given in req.
func ResumeConfig(ctx context.Context, store pager.SnapshotStore, name string, req Request) (Config, error) {
	snap, err := store.Load(name)
	if err != nil {
		return Config{}, err
	}
	if _, err := checkSnapshot(name, snap); err != nil {
		return Config{}, err
	}
	var sc savedConfig
	if len(snap.Info.Config) == 0 {
		return Config{}, fmt.Errorf("snapshot %q does not record its media (it was made by an older do86): it cannot be resumed safely", name)
	}
	if err := json.Unmarshal(snap.Info.Config, &sc); err != nil || sc.Version != savedConfigVersion {
		return Config{}, fmt.Errorf("snapshot %q: its configuration record is damaged or of another version", name)
	}
	if req.Memory != 0 && req.Memory != uint64(sc.Memory) {
		return Config{}, fieldErr("Memory", fmt.Sprintf("%dM", req.Memory>>20),
			"differs from the snapshot's %dM: a snapshot resumes with the memory it was made with", sc.Memory>>20)
	}
	// The media the request names, placed in their slots as Resolve would.
	given, err := Resolve(ctx, Request{
		Image: req.Image, ImageDir: req.ImageDir, Offline: true,
		Floppy: req.Floppy, HDA: req.HDA, HDB: req.HDB, CDROM: req.CDROM,
		Kernel: req.Kernel, Initrd: req.Initrd, Multiboot: req.Multiboot, Modules: req.Modules,
		AHCIDisk: req.AHCIDisk, Memory: uint64(sc.Memory), NoJIT: req.NoJIT,
		BIOS: req.BIOS, VGABIOS: req.VGABIOS,
		resumeOnly: true,
	})
	if err != nil {
		return Config{}, err
	}
	byGiven := map[string]string{}
	for _, s := range given.mediaSlots() {
		byGiven[s.slot] = s.path
	}
	cfg := Config{Name: sc.Name, Kind: sc.Kind, Memory: sc.Memory, JIT: !req.NoJIT,
		Append: sc.Append, AHCIDiskSize: sc.AHCIDiskSize, Boot: sc.Boot,
		Persist: req.Persist, Overlay: req.Overlay,
		BIOS: given.BIOS, VGABIOS: given.VGABIOS}
	saved := map[string]bool{}
	for _, md := range sc.Media {
		saved[md.Slot] = true
		path, err := findMedium(md, byGiven[md.Slot], req)
		if err != nil {
			return Config{}, fmt.Errorf("snapshot %q: %w", name, err)
		}
		if err := cfg.setSlot(md.Slot, path, sc.ModuleArgs); err != nil {
			return Config{}, fmt.Errorf("snapshot %q: %w", name, err)
		}
		cfg.media = append(cfg.media, Medium{Slot: md.Slot, Path: path, Catalog: md.Catalog, Size: md.Size, Fingerprint: md.Fingerprint})
	}
	for slot, path := range byGiven {
		if !saved[slot] {
			return Config{}, fmt.Errorf("snapshot %q was made without a %s; %s cannot be added to it", name, slotWord(slot), path)
		}
	}
	return cfg, cfg.Validate()
}

// findMedium finds a snapshot's medium again: the file the request gives
// for its slot, else its saved path, else its catalog image; the content
// must match the fingerprint.
func findMedium(md Medium, given string, req Request) (string, error) {
	what := slotWord(md.Slot)
	check := func(path, how string) (string, error) {
		fp, err := Fingerprint(path)
		if err != nil {
			return "", fmt.Errorf("its %s %s: %w", what, path, err)
		}
		if fp != md.Fingerprint {
			return "", fmt.Errorf("its %s was %s (%d bytes); %s %s has other content: resuming onto it could damage it (give the original image)",
				what, md.Path, md.Size, how, path)
		}
		return path, nil
	}
	if given != "" {
		return check(given, "the given")
	}
	if _, err := os.Stat(md.Path); err == nil {
		return check(md.Path, "the file now at")
	}
	if md.Catalog != "" {
		p, err := images.Resolve(md.Catalog, images.ResolveOptions{ImageDir: req.ImageDir, Offline: true})
		if err == nil {
			return check(p, "the catalog's")
		}
	}
	return "", fmt.Errorf("its %s %s is missing: give it (or a copy) with the flag for that drive", what, md.Path)
}

// slotWord names a slot for people.
func slotWord(slot string) string {
	switch slot {
	case "Floppy0":
		return "floppy A:"
	case "Floppy1":
		return "floppy B:"
	case "HDA":
		return "hard disk hda"
	case "HDB":
		return "hard disk hdb"
	case "CDROM":
		return "CD-ROM"
	case "AHCIDisk":
		return "AHCI disk"
	case "Kernel":
		return "kernel"
	case "Initrd":
		return "initrd"
	case "Multiboot":
		return "Multiboot kernel"
	}
	return "module " + slot[len("Module"):]
}

// setSlot puts path into the configuration's slot.
func (c *Config) setSlot(slot, path string, moduleArgs []string) error {
	switch slot {
	case "Floppy0":
		c.Floppy[0] = path
	case "Floppy1":
		c.Floppy[1] = path
	case "HDA":
		c.HDA = path
	case "HDB":
		c.HDB = path
	case "CDROM":
		c.CDROM = path
	case "AHCIDisk":
		c.AHCIDisk = path
	case "Kernel":
		c.Kernel = path
	case "Initrd":
		c.Initrd = path
	case "Multiboot":
		c.Multiboot = path
	default:
		var i int
		if _, err := fmt.Sscanf(slot, "Module%d", &i); err != nil || i != len(c.Modules) {
			return fmt.Errorf("unknown medium %q", slot)
		}
		spec := path
		if i < len(moduleArgs) && moduleArgs[i] != "" {
			spec += "," + moduleArgs[i]
		}
		c.Modules = append(c.Modules, spec)
	}
	return nil
}
