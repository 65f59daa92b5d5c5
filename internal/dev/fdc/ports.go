package fdc

import "github.com/do86/do86/internal/bus"

// ReadPort reads the registers at BasePort+off: off 0–5, and 7 for a machine
// that registers the whole 8-port block.
func (f *FDC) ReadPort(off uint16, size int) uint32 {
	return bus.ReadSplit(f.readReg, off, size)
}

// WritePort writes the registers at BasePort+off.
func (f *FDC) WritePort(off uint16, size int, v uint32) {
	bus.WriteSplit(f.writeReg, off, size, v)
}

// DIRPort returns the device to register at port 0x3F7 (one port): DIR on
// reads, CCR on writes. Port 0x3F6 between them is the IDE controller's.
func (f *FDC) DIRPort() bus.PortDevice {
	return bus.BytePort{
		Read:  func() uint8 { return f.readReg(regDIR) },
		Write: func(v uint8) { f.writeReg(regDIR, v) },
	}
}

func (f *FDC) readReg(off uint16) uint8 {
	switch off {
	case regSRA:
		// PS/2 status A, reduced to the interrupt line.
		if f.Int {
			return 0x80
		}
		return 0
	case regSRB:
		// PS/2 status B: the motor enables and drive select 0.
		return 0xC0 | (f.DOR>>4)&0x03 | (f.DOR&0x01)<<5
	case regDOR:
		return f.DOR
	case regTDR:
		return f.TDR & 0x03
	case regMSR:
		return f.msr()
	case regFIFO:
		return f.readFIFO()
	case regDIR:
		// The guest asks whether the selected drive's diskette changed.
		if sel := int(f.DOR & dorDriveSel); sel < len(f.Drives) && f.Drives[sel].Changed {
			return dirDskChg
		}
		return 0
	}
	return 0xFF
}

func (f *FDC) writeReg(off uint16, v uint8) {
	switch off {
	case regDOR:
		old := f.DOR
		f.DOR = v
		switch {
		case v&dorReset == 0 && old&dorReset != 0:
			// The guest starts a reset pulse.
			f.enterReset()
		case v&dorReset != 0 && old&dorReset == 0:
			// The guest ends the reset pulse; the controller comes up.
			f.enterReset()
			f.leaveReset()
		}
	case regTDR:
		f.TDR = v
	case regMSR: // DSR
		f.DRate = v & dsrDRate
		f.DSR = v &^ (dsrDRate | dsrSWReset)
		if v&dsrSWReset != 0 && f.DOR&dorReset != 0 {
			f.enterReset()
			f.leaveReset()
		}
	case regFIFO:
		f.writeFIFO(v)
	case regDIR: // CCR
		f.DRate = v & dsrDRate
	}
}

// msr is the main status register: what the FIFO is ready for, and which
// drives are seeking.
func (f *FDC) msr() uint8 {
	var v uint8
	switch f.Phase {
	case phaseIdle:
		v = msrRQM
	case phaseCommand:
		v = msrRQM | msrCB
	case phaseExec:
		v = msrCB
	case phasePIO:
		v = msrRQM | msrNonDMA | msrCB
		if f.X.Read {
			v |= msrDIO
		}
	case phaseResult:
		v = msrRQM | msrDIO | msrCB
	}
	for i, u := range f.Units {
		if u.Seeking {
			v |= 1 << i
		}
	}
	return v
}

// readFIFO hands the guest a result byte or, in a non-DMA read, a data byte.
func (f *FDC) readFIFO() uint8 {
	switch f.Phase {
	case phaseResult:
		v := f.Res[f.ResPos]
		f.ResPos++
		if f.ResPos == 1 {
			// Reading the first result byte acknowledges the interrupt.
			f.lowerInt()
		}
		if f.ResPos >= f.ResLen {
			f.Phase = phaseIdle
		}
		return v
	case phasePIO:
		if f.X.Read {
			return f.pioRead()
		}
	}
	return 0xFF
}

// writeFIFO takes a command or parameter byte or, in a non-DMA write, a data
// byte. Bytes the controller is not ready for are dropped.
func (f *FDC) writeFIFO(v uint8) {
	switch f.Phase {
	case phaseIdle:
		f.startCommand(v)
	case phaseCommand:
		f.Cmd[f.CmdLen] = v
		f.CmdLen++
		if f.CmdLen == f.CmdWant {
			f.dispatch()
		}
	case phasePIO:
		if !f.X.Read {
			f.pioWrite(v)
		}
	}
}
