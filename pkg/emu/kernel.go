package emu

import (
	"fmt"
	"os"
	"strings"

	"github.com/do86/do86/internal/boot"
	"github.com/do86/do86/internal/dev/ahci"
	"github.com/do86/do86/internal/dev/pci"
	"github.com/do86/do86/internal/disk"
)

// ahciSlot is the PCI slot of the AHCI controller.
const ahciSlot = 4

// loadKernel reads the direct-boot files of the configuration and hands the
// boot ROM its plan through fw_cfg. It returns whether a kernel boots.
func (m *Machine) loadKernel() (bool, error) {
	c := &m.cfg
	if c.Kernel == "" && c.Multiboot == "" {
		return false, nil // Validate refused Initrd and Modules without one
	}
	read := func(field, path string) ([]byte, error) {
		if err := checkMediaFile(path); err != nil {
			return nil, fieldErr(field, path, "%v", err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fieldErr(field, path, "%v", err)
		}
		return b, nil
	}
	var plan *boot.Plan
	if c.Multiboot != "" {
		k, err := read("Multiboot", c.Multiboot)
		if err != nil {
			return false, err
		}
		var mods []boot.Module
		for _, spec := range c.Modules {
			file, args := splitModule(spec)
			b, err := read("Modules", file)
			if err != nil {
				return false, err
			}
			mods = append(mods, boot.Module{Data: b, Args: args})
		}
		if plan, err = boot.LoadMultiboot(k, c.Append, mods, c.Memory); err != nil {
			return false, fmt.Errorf("%s: %w", c.Multiboot, err)
		}
	} else {
		k, err := read("Kernel", c.Kernel)
		if err != nil {
			return false, err
		}
		var initrd []byte
		if c.Initrd != "" {
			if initrd, err = read("Initrd", c.Initrd); err != nil {
				return false, err
			}
		}
		if plan, err = boot.Load(k, initrd, c.Append, c.Memory); err != nil {
			return false, fmt.Errorf("%s: %w", c.Kernel, err)
		}
	}
	for _, n := range plan.Notes {
		m.cfg.Logger.Info("boot: " + n)
	}
	boot.Configure(m.fw, plan)
	return true, nil
}

// wireAHCI adds the AHCI controller with its one disk, when asked for.
func (m *Machine) wireAHCI() error {
	c := &m.cfg
	if c.AHCIDisk == "" && c.AHCIDiskSize == 0 {
		return nil
	}
	var dk *disk.Disk
	if c.AHCIDisk != "" {
		var err error
		if dk, err = disk.Open(c.AHCIDisk, disk.Options{Persist: c.Persist}); err != nil {
			return err
		}
		m.closers = append(m.closers, dk)
	} else {
		dk = disk.NewBlank(c.AHCIDiskSize)
	}
	a := ahci.New(m.core, m.mmio, m.clock, m.dev.router.INTx(ahciSlot, pci.INTA), 1)
	a.Attach(0, dk)
	m.dev.ahci = a
	m.attach("ahci", a, pciAt(ahciSlot, 0, a.PCI()))
	return nil
}

// splitModule splits a Multiboot module's "FILE[,ARGS]".
func splitModule(spec string) (file, args string) {
	file, args, _ = strings.Cut(spec, ",")
	return file, args
}
