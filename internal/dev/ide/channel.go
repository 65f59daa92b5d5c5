package ide

import "github.com/do86/do86/internal/bus"

// Command block register offsets (from 0x1F0 / 0x170).
const (
	regData    = 0
	regError   = 1 // read; regFeature on write
	regFeature = 1
	regNsect   = 2 // sector count; ATAPI interrupt reason on read
	regLbal    = 3 // LBA low / sector number
	regLbam    = 4 // LBA mid / cylinder low; ATAPI byte count low
	regLbah    = 5 // LBA high / cylinder high; ATAPI byte count high
	regDevice  = 6
	regStatus  = 7 // read; regCommand on write
	regCommand = 7
)

// Device control register bits.
const (
	ctlNIEN = 0x02
	ctlSRST = 0x04
	ctlHOB  = 0x80
)

// Device register bits.
const devDEV = 0x10

// channel is one IDE channel: two drives sharing a register set, one
// interrupt line and one set of bus-master registers.
type channel struct {
	c      *Controller
	irq    bus.IRQ
	drives [2]drive

	ChannelState
}

// ChannelState is a channel's own registers, beside its drives'.
type ChannelState struct {
	// Sel is the drive the guest selected with the device register's DEV bit.
	Sel int
	// DevCtl is the device control register (nIEN, SRST, HOB).
	DevCtl uint8
	// IRQLevel is what the channel drives on its line.
	IRQLevel bool

	// Bus-master IDE registers of this channel (BAR4).
	BMCommand uint8
	BMStatus  uint8
	PRD       uint32
}

// selected returns the drive the guest talks to.
func (ch *channel) selected() *drive { return &ch.drives[ch.Sel] }

// updateIRQ drives the line from the selected drive's INTRQ, masked by nIEN.
func (ch *channel) updateIRQ() {
	level := ch.selected().Intrq && ch.DevCtl&ctlNIEN == 0
	if level == ch.IRQLevel {
		return
	}
	ch.IRQLevel = level
	if ch.irq == nil {
		return
	}
	if level {
		ch.irq.Raise()
	} else {
		ch.irq.Lower()
	}
}

// commandBlock is a channel's eight command block registers.
type commandBlock struct{ ch *channel }

func (b commandBlock) ReadPort(off uint16, size int) uint32 {
	if off == regData {
		return b.ch.selected().readData(size)
	}
	return bus.ReadSplit(b.ch.readReg, off, size)
}

func (b commandBlock) WritePort(off uint16, size int, v uint32) {
	if off == regData {
		b.ch.selected().writeData(size, v)
		return
	}
	bus.WriteSplit(b.ch.writeReg, off, size, v)
}

// readReg reads one of the registers 1–7 of the selected drive. A drive
// position with nothing attached reads as zeros.
func (ch *channel) readReg(off uint16) uint8 {
	if off >= commandBlockLen {
		return 0xFF
	}
	d := ch.selected()
	if d.kind == None {
		return 0
	}
	hob := ch.DevCtl&ctlHOB != 0
	tf := &d.TF
	switch off {
	case regError:
		return d.Error
	case regNsect:
		return pick(hob, tf.HobNsect, tf.Nsect)
	case regLbal:
		return pick(hob, tf.HobLbal, tf.Lbal)
	case regLbam:
		return pick(hob, tf.HobLbam, tf.Lbam)
	case regLbah:
		return pick(hob, tf.HobLbah, tf.Lbah)
	case regDevice:
		return tf.Device
	case regStatus:
		// The guest acknowledges the interrupt by reading the status.
		d.settle()
		d.Intrq = false
		ch.updateIRQ()
		return d.Status
	}
	return 0xFF
}

func pick(hob bool, h, l uint8) uint8 {
	if hob {
		return h
	}
	return l
}

// writeReg writes one of the registers 1–7. Both drives latch the
// parameters; the command goes to the selected one.
func (ch *channel) writeReg(off uint16, v uint8) {
	if off >= commandBlockLen {
		return
	}
	if off == regCommand {
		if d := ch.selected(); d.kind != None {
			d.command(v)
		}
		return
	}
	// Writing any parameter register ends a high-order-byte readback.
	ch.DevCtl &^= ctlHOB
	for i := range ch.drives {
		tf := &ch.drives[i].TF
		switch off {
		case regFeature:
			tf.HobFeature, tf.Feature = tf.Feature, v
		case regNsect:
			tf.HobNsect, tf.Nsect = tf.Nsect, v
		case regLbal:
			tf.HobLbal, tf.Lbal = tf.Lbal, v
		case regLbam:
			tf.HobLbam, tf.Lbam = tf.Lbam, v
		case regLbah:
			tf.HobLbah, tf.Lbah = tf.Lbah, v
		case regDevice:
			tf.Device = v
		}
	}
	if off == regDevice {
		ch.Sel = int(v>>4) & 1
		ch.updateIRQ()
	}
}

// controlBlock is a channel's alternate status (read) and device control
// (write) register.
type controlBlock struct{ ch *channel }

func (b controlBlock) ReadPort(off uint16, size int) uint32 {
	if off != 0 {
		return bus.Ones(size)
	}
	// Alternate status: the status without acknowledging anything.
	v := uint32(0)
	if d := b.ch.selected(); d.kind != None {
		d.settle()
		v = uint32(d.Status)
	}
	if size > 1 {
		v |= bus.Ones(size) &^ 0xFF
	}
	return v
}

func (b controlBlock) WritePort(off uint16, size int, v uint32) {
	if off == 0 {
		b.ch.writeDevCtl(uint8(v))
	}
}

// writeDevCtl serves the device control register: nIEN masks the line, and
// SRST held then released resets both drives of the channel.
func (ch *channel) writeDevCtl(v uint8) {
	old := ch.DevCtl
	ch.DevCtl = v
	switch {
	case v&ctlSRST != 0 && old&ctlSRST == 0:
		for i := range ch.drives {
			ch.drives[i].holdReset()
		}
	case v&ctlSRST == 0 && old&ctlSRST != 0:
		for i := range ch.drives {
			ch.drives[i].softReset()
		}
		ch.Sel = 0
	}
	ch.updateIRQ()
}
