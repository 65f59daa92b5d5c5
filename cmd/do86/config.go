package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/do86/do86/internal/disk"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/images"
)

// flagOf names the run flag behind each emu.Request field, so that errors
// from the library speak in flags.
var flagOf = map[string]string{
	"Image": "IMAGE", "Memory": "--memory", "BIOS": "--bios", "VGABIOS": "--vgabios",
	"Floppy": "--fda", "HDA": "--hda", "HDB": "--hdb", "CDROM": "--cdrom",
	"Persist": "--persist", "Overlay": "--overlay", "Kernel": "--kernel", "Initrd": "--initrd",
	"Append": "--append", "Multiboot": "--multiboot", "Modules": "--module",
	"AHCIDisk": "--ahci-disk", "AHCIDiskSize": "--ahci-disk-size", "Boot": "--boot",
}

var fieldWord = regexp.MustCompile(`\b(` + strings.Join(emu.FieldNames, "|") + `)\b`)

// asFlags words a library error in flags: a *emu.FieldError's field names
// become the flags that set them.
func asFlags(err error) error {
	var fe *emu.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	return errors.New(fieldWord.ReplaceAllStringFunc(fe.Error(), func(w string) string {
		if f, ok := flagOf[w]; ok {
			return f
		}
		return w
	}))
}

// request maps run's flags and argument onto an emu.Request.
func (f *runFlags) request(args []string) (emu.Request, error) {
	req := emu.Request{
		ImageDir: f.imageDir, Progress: images.StderrProgress(), NoJIT: !f.jit,
		BIOS: f.bios, VGABIOS: f.vgabios,
		Floppy: [2]string{f.fda, f.fdb}, HDA: f.hda, HDB: f.hdb, CDROM: f.cdrom,
		Persist: f.persist, Overlay: f.overlay,
		Kernel: f.kernel, Initrd: f.initrd, Append: f.appendLine,
		Multiboot: f.multiboot, Modules: f.modules, AHCIDisk: f.ahciDisk,
		Logger: cliLogger(),
	}
	if len(args) == 1 {
		req.Image = args[0]
	}
	if f.memory != "" {
		mem, err := parseMemory(f.memory)
		if err != nil {
			return req, err
		}
		req.Memory = uint64(mem)
	}
	if f.ahciDiskSize != "" {
		n, err := disk.ParseSize(f.ahciDiskSize)
		if err != nil || n <= 0 {
			return req, fmt.Errorf("--ahci-disk-size %q: want a size such as 32M", f.ahciDiskSize)
		}
		req.AHCIDiskSize = n
	}
	if f.boot != "" {
		req.Boot = strings.Split(f.boot, ",")
	}
	return req, nil
}

// buildConfig turns run's flags and argument into a machine configuration
// through emu.Resolve, with errors worded as flags.
func buildConfig(ctx context.Context, f *runFlags, args []string) (emu.Config, error) {
	req, err := f.request(args)
	if err != nil {
		return emu.Config{}, err
	}
	cfg, err := emu.Resolve(ctx, req)
	if err != nil {
		return cfg, asFlags(err)
	}
	return cfg, f.net.apply(&cfg)
}
