package ahci

import "encoding/binary"

// taskfile is the ATA register set a register FIS carries.
type taskfile struct {
	Command uint8
	Feature uint16 // features 15:0 (15:8 only in 48-bit commands)
	Count   uint16 // sector count 15:0
	LBA     uint64 // LBA 47:0 (or cylinder/head/sector bytes)
	Device  uint8
	Control uint8
}

// parseH2D decodes a register host-to-device FIS. c reports the C bit: the
// FIS updates the command register (else only the device control register).
func parseH2D(f []byte) (tf taskfile, c bool) {
	tf.Command = f[2]
	tf.Feature = uint16(f[3]) | uint16(f[11])<<8
	tf.LBA = uint64(f[4]) | uint64(f[5])<<8 | uint64(f[6])<<16 |
		uint64(f[8])<<24 | uint64(f[9])<<32 | uint64(f[10])<<40
	tf.Device = f[7]
	tf.Count = uint16(f[12]) | uint16(f[13])<<8
	tf.Control = f[15]
	return tf, f[1]&0x80 != 0
}

// putRegs stores tf's LBA, device and count bytes at their common places in
// the device-to-host register and PIO setup FISes.
func putRegs(f []byte, tf *taskfile) {
	f[4], f[5], f[6] = uint8(tf.LBA), uint8(tf.LBA>>8), uint8(tf.LBA>>16)
	f[7] = tf.Device
	f[8], f[9], f[10] = uint8(tf.LBA>>24), uint8(tf.LBA>>32), uint8(tf.LBA>>40)
	f[12], f[13] = uint8(tf.Count), uint8(tf.Count>>8)
}

// d2hFIS builds a register device-to-host FIS: the device's status, error
// and registers; irq is its I bit (the device asks for an interrupt).
func d2hFIS(tf *taskfile, status, errv uint8, irq bool) []byte {
	f := make([]byte, 20)
	f[0] = fisRegD2H
	if irq {
		f[1] = 0x40
	}
	f[2], f[3] = status, errv
	putRegs(f, tf)
	return f
}

// pioSetupFIS builds a PIO setup FIS announcing n bytes of data (to the host
// if in), the status during the transfer and endStatus after it.
func pioSetupFIS(tf *taskfile, in bool, status, endStatus uint8, n int, irq bool) []byte {
	f := make([]byte, 20)
	f[0] = fisPIOSetup
	if in {
		f[1] |= 0x20
	}
	if irq {
		f[1] |= 0x40
	}
	f[2] = status
	putRegs(f, tf)
	f[15] = endStatus
	binary.LittleEndian.PutUint16(f[16:], uint16(min(n, 0xFFFE)))
	return f
}

// sdbFIS builds a set device bits FIS completing the queued commands of the
// tags in done.
func sdbFIS(status, errv uint8, done uint32) []byte {
	f := make([]byte, 8)
	f[0] = fisSetDevBit
	f[1] = 0x40 // I: interrupt
	f[2] = status & 0x77
	f[3] = errv
	binary.LittleEndian.PutUint32(f[4:], done)
	return f
}
