package ahci

import (
	"github.com/do86/do86/internal/pcicfg"
)

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
	pcicfg.Config
	c *Controller
}

// init sets the power-on configuration space.
func (f *pciFunction) init() {
	f.Config = pcicfg.Config{}
	f.Init(vendorIntel, deviceICH9, classStor, subclassSATA, progIFAHCI, revision)
	f.Space[pcicfg.RegInterruptPin] = pcicfg.INTA
	f.SetBAR(barABAR, pcicfg.BAR{Size: ABARSize, Moved: f.c.mapABAR})
}
