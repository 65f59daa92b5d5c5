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
		if c.Initrd != "" || len(c.Modules) > 0 {
			return false, fmt.Errorf("--initrd and --module need a kernel (--kernel or --multiboot)")
		}
		return false, nil
	}
	if c.Kernel != "" && c.Multiboot != "" {
		return false, fmt.Errorf("--kernel and --multiboot exclude each other")
	}
	read := func(what, path string) ([]byte, error) {
		if _, _, err := openFile(path); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return os.ReadFile(path)
	}
	var plan *boot.Plan
	if c.Multiboot != "" {
		if c.Initrd != "" {
			return false, fmt.Errorf("a Multiboot kernel takes --module, not --initrd")
		}
		k, err := read("--multiboot", c.Multiboot)
		if err != nil {
			return false, err
		}
		var mods []boot.Module
		for _, spec := range c.Modules {
			file, args, _ := strings.Cut(spec, ",")
			b, err := read("--module", file)
			if err != nil {
				return false, err
			}
			mods = append(mods, boot.Module{Data: b, Args: args})
		}
		if plan, err = boot.LoadMultiboot(k, c.Append, mods, c.Memory); err != nil {
			return false, fmt.Errorf("%s: %w", c.Multiboot, err)
		}
	} else {
		if len(c.Modules) > 0 {
			return false, fmt.Errorf("--module goes with --multiboot, not --kernel")
		}
		k, err := read("--kernel", c.Kernel)
		if err != nil {
			return false, err
		}
		var initrd []byte
		if c.Initrd != "" {
			if initrd, err = read("--initrd", c.Initrd); err != nil {
				return false, err
			}
		}
		if plan, err = boot.Load(k, initrd, c.Append, c.Memory); err != nil {
			return false, fmt.Errorf("%s: %w", c.Kernel, err)
		}
	}
	for _, n := range plan.Notes {
		m.logf("boot: %s", n)
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
