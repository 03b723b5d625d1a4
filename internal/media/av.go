package media

import (
	"bytes"
	"strings"
)

// RecordedVoice is a follower's voice message: WeChat's voice types and
// what browsers record with MediaRecorder (Opus in WebM or Ogg), kept as
// recorded.
var RecordedVoice = Kind{Name: "voice", Types: append(append([]string(nil), Voice.Types...), "audio/webm"), MaxBytes: Voice.MaxBytes}

// sniffAV recognises the audio and video containers that browsers record
// (MediaRecorder): Ogg — audio/ogg for Opus, Vorbis, Speex or FLAC,
// video/ogg for Theora — and WebM/Matroska — audio/webm when every track
// is audio, video/webm otherwise. It returns "" for anything else.
func sniffAV(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("OggS\x00")):
		return sniffOgg(head)
	case bytes.HasPrefix(head, ebmlMagic):
		return sniffWebM(head)
	}
	return ""
}

// sniffOgg reads the first packet of an Ogg stream: its codec's
// identification header.
func sniffOgg(head []byte) string {
	if len(head) < 27 {
		return "application/ogg"
	}
	if 27+int(head[26]) > len(head) {
		return "application/ogg"
	}
	first := head[27+int(head[26]):]
	for _, c := range []string{"OpusHead", "\x01vorbis", "Speex   ", "\x7fFLAC"} {
		if strings.HasPrefix(string(first), c) {
			return "audio/ogg"
		}
	}
	if strings.HasPrefix(string(first), "\x80theora") {
		return "video/ogg"
	}
	return "application/ogg"
}

var ebmlMagic = []byte{0x1A, 0x45, 0xDF, 0xA3}

// EBML element ids that sniffWebM reads.
const (
	idEBML       = 0x1A45DFA3
	idSegment    = 0x18538067
	idTracks     = 0x1654AE6B
	idTrackEntry = 0xAE
	idTrackType  = 0x83
	idCluster    = 0x1F43B675
)

// sniffWebM walks the EBML elements of a WebM (Matroska) file's head to
// its Tracks: audio/webm when the Tracks element is complete within head
// and holds only audio tracks; video/webm otherwise (a video track, or
// tracks not seen).
func sniffWebM(head []byte) string {
	audio, video, complete := webmTracks(head)
	if complete && audio > 0 && video == 0 {
		return "audio/webm"
	}
	return "video/webm"
}

// webmTracks counts the audio and video tracks in b; complete is true when
// a whole Tracks element was read.
func webmTracks(b []byte) (audio, video int, complete bool) {
	// Top level: the EBML header, then the Segment.
	for len(b) > 0 {
		id, size, n, ok := ebmlElement(b)
		if !ok {
			return audio, video, false
		}
		b = b[n:]
		switch id {
		case idSegment:
			// Its children follow (its size is often unknown: live recording).
			continue
		case idTracks:
			if size < 0 || size > int64(len(b)) {
				return audio, video, false
			}
			audio, video = countTracks(b[:size])
			return audio, video, true
		case idCluster:
			return audio, video, false // media data before any tracks
		}
		if size < 0 || size > int64(len(b)) {
			return audio, video, false
		}
		b = b[size:]
	}
	return audio, video, false
}

// countTracks reads the TrackEntry elements of a Tracks element's body.
func countTracks(b []byte) (audio, video int) {
	for len(b) > 0 {
		id, size, n, ok := ebmlElement(b)
		if !ok || size < 0 || size > int64(len(b)-n) {
			return audio, video
		}
		body := b[n : n+int(size)]
		b = b[n+int(size):]
		if id != idTrackEntry {
			continue
		}
		for len(body) > 0 {
			cid, csize, cn, ok := ebmlElement(body)
			if !ok || csize < 0 || csize > int64(len(body)-cn) {
				break
			}
			if cid == idTrackType && csize >= 1 {
				switch body[cn+int(csize)-1] { // a small unsigned integer: its last byte
				case 1:
					video++
				case 2:
					audio++
				}
			}
			body = body[cn+int(csize):]
		}
	}
	return audio, video
}

// ebmlElement reads an element header: its id (with the length marker
// kept, as ids are written), its size (-1: unknown) and the header length.
func ebmlElement(b []byte) (id uint32, size int64, n int, ok bool) {
	if len(b) == 0 {
		return 0, 0, 0, false
	}
	idLen := vintLen(b[0])
	if idLen == 0 || idLen > 4 || len(b) < idLen {
		return 0, 0, 0, false
	}
	for _, c := range b[:idLen] {
		id = id<<8 | uint32(c)
	}
	rest := b[idLen:]
	if len(rest) == 0 {
		return 0, 0, 0, false
	}
	sizeLen := vintLen(rest[0])
	if sizeLen == 0 || len(rest) < sizeLen {
		return 0, 0, 0, false
	}
	v := uint64(rest[0]) & (0xFF >> sizeLen)
	allOnes := v == 0xFF>>sizeLen
	for _, c := range rest[1:sizeLen] {
		v = v<<8 | uint64(c)
		allOnes = allOnes && c == 0xFF
	}
	if allOnes {
		return id, -1, idLen + sizeLen, true
	}
	if v > 1<<40 {
		return 0, 0, 0, false // no element of a file this size
	}
	return id, int64(v), idLen + sizeLen, true
}

// vintLen is the length of an EBML variable-length integer from its first
// byte (0 when invalid).
func vintLen(c byte) int {
	for i := 0; i < 8; i++ {
		if c&(0x80>>i) != 0 {
			return i + 1
		}
	}
	return 0
}

// Format names a stored audio or video file's format the way WeChat's
// voice push names it (`Format`): amr, mp3, wav, wma, ogg, webm, mp4 —
// the file's extension without the dot; "" when unknown.
func Format(contentType string) string {
	ext := Extension(contentType)
	if ext == ".bin" {
		return ""
	}
	return strings.TrimPrefix(ext, ".")
}
