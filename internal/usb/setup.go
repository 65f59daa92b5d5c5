package usb

import (
	"encoding/binary"
	"errors"
)

// Setup is the 8-byte SETUP packet that starts a control transfer (USB 2.0
// §9.3, table 9-2).
type Setup struct {
	RequestType uint8 // bmRequestType: direction, type, recipient
	Request     uint8 // bRequest
	Value       uint16
	Index       uint16
	Length      uint16 // bytes of the data stage
}

// bmRequestType fields.
const (
	// DirIn (bit 7) marks a device-to-host data stage.
	DirIn = 0x80
	// TypeMask selects the request type: standard, class or vendor.
	TypeMask     = 0x60
	TypeStandard = 0x00
	TypeClass    = 0x20
	TypeVendor   = 0x40
	// RecipientMask selects the recipient: device, interface, endpoint.
	RecipientMask      = 0x1F
	RecipientDevice    = 0x00
	RecipientInterface = 0x01
	RecipientEndpoint  = 0x02
	RecipientOther     = 0x03
)

// Standard request codes (USB 2.0 table 9-4).
const (
	RequestGetStatus        = 0
	RequestClearFeature     = 1
	RequestSetFeature       = 3
	RequestSetAddress       = 5
	RequestGetDescriptor    = 6
	RequestSetDescriptor    = 7
	RequestGetConfiguration = 8
	RequestSetConfiguration = 9
	RequestGetInterface     = 10
	RequestSetInterface     = 11
	RequestSynchFrame       = 12
)

// Descriptor types (USB 2.0 table 9-5).
const (
	DescriptorDevice          = 1
	DescriptorConfiguration   = 2
	DescriptorString          = 3
	DescriptorInterface       = 4
	DescriptorEndpoint        = 5
	DescriptorDeviceQualifier = 6
	DescriptorOtherSpeed      = 7
)

// Feature selectors (USB 2.0 table 9-6).
const (
	FeatureEndpointHalt       = 0
	FeatureDeviceRemoteWakeup = 1
)

// SetupSize is the length of a SETUP packet's data.
const SetupSize = 8

// ErrSetupLength is what ParseSetup says of a packet that is not 8 bytes.
var ErrSetupLength = errors.New("usb: a SETUP packet has 8 bytes")

// ParseSetup decodes a SETUP packet's data.
func ParseSetup(b []byte) (Setup, error) {
	if len(b) != SetupSize {
		return Setup{}, ErrSetupLength
	}
	return Setup{
		RequestType: b[0],
		Request:     b[1],
		Value:       binary.LittleEndian.Uint16(b[2:]),
		Index:       binary.LittleEndian.Uint16(b[4:]),
		Length:      binary.LittleEndian.Uint16(b[6:]),
	}, nil
}

// Bytes encodes the packet, as a host sends it.
func (s Setup) Bytes() []byte {
	b := []byte{s.RequestType, s.Request, 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint16(b[2:], s.Value)
	binary.LittleEndian.PutUint16(b[4:], s.Index)
	binary.LittleEndian.PutUint16(b[6:], s.Length)
	return b
}

// In reports whether the data stage goes from the device to the host.
func (s Setup) In() bool { return s.RequestType&DirIn != 0 }

// Type returns the request type bits (TypeStandard, TypeClass, TypeVendor).
func (s Setup) Type() uint8 { return s.RequestType & TypeMask }

// Recipient returns the recipient bits (RecipientDevice, ...).
func (s Setup) Recipient() uint8 { return s.RequestType & RecipientMask }
