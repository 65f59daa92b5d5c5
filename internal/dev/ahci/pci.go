package ahci

import "github.com/do86/do86/internal/dev/pci"

// The ICH9's AHCI function.
const (
	vendorIntel  = 0x8086
	deviceICH9   = 0x2922
	classStor    = 0x01 // mass storage
	subclassSATA = 0x06
	progIFAHCI   = 0x01 // AHCI 1.0
	revision     = 0x02
	barABAR      = 5
)

// pciFunction is the AHCI function's configuration space: the ABAR at BAR5
// and INTA.
type pciFunction struct {
	pci.Config
	c *Controller
}

// init sets the power-on configuration space.
func (f *pciFunction) init() {
	f.Config = pci.Config{}
	f.Init(vendorIntel, deviceICH9, classStor, subclassSATA, progIFAHCI, revision)
	f.Space[pci.RegInterruptPin] = pci.INTA
	f.SetBAR(barABAR, pci.BAR{Size: ABARSize, Moved: f.c.mapABAR})
}
