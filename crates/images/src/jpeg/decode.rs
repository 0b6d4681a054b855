//! Reading a JPEG down to its quantized DCT coefficients (T.81 Annex F and G): markers, tables,
//! sequential and progressive scans with restart intervals. No IDCT: nothing here produces pixels.

#![allow(
    clippy::indexing_slicing,
    reason = "table and block indices are 8-bit symbols into 256-entry tables, zigzag positions under 64 and components checked against the frame header when it is parsed; images::fuzz feeds damaged JPEGs"
)]

use super::huffman::{BitReader, Decoder, Table};
use super::{Component, Jpeg, JpegError};

/// A scan's parameters as its SOS header gives them.
#[derive(Debug, Clone)]
pub(crate) struct ScanHeader {
    /// Indexes into the frame's components, with their DC and AC table ids.
    pub comps: Vec<(usize, usize, usize)>,
    pub ss: usize,
    pub se: usize,
    pub ah: u8,
    pub al: u8,
}

/// Parses and decodes a whole JPEG. `max_pixels` is checked against the frame header before any
/// coefficient buffer is allocated.
pub(crate) fn parse(bytes: &[u8], max_pixels: u64) -> Result<Jpeg, JpegError> {
    if bytes.get(0..2) != Some(&[0xFF_u8, 0xD8][..]) {
        return Err(JpegError::Corrupt("no SOI marker"));
    }
    let mut pos = 2;
    let mut dc: [Option<Decoder>; 4] = Default::default();
    let mut ac: [Option<Decoder>; 4] = Default::default();
    let mut jpeg: Option<Jpeg> = None;
    let mut dqt = Vec::new();
    let mut dqt16 = false;
    let mut segments = Vec::new();
    let mut restart_interval = 0usize;
    loop {
        // Fill bytes (any number of 0xFF) may precede a marker.
        if bytes.get(pos) != Some(&0xFF) {
            return Err(if pos >= bytes.len() {
                JpegError::Truncated
            } else {
                JpegError::Corrupt("expected a marker")
            });
        }
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *bytes.get(pos).ok_or(JpegError::Truncated)?;
        pos += 1;
        match marker {
            0xD9 => break,
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 => return Err(JpegError::Corrupt("second SOI marker")),
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(pos).ok_or(JpegError::Truncated)?,
            *bytes.get(pos + 1).ok_or(JpegError::Truncated)?,
        ]));
        if len < 2 {
            return Err(JpegError::Corrupt("segment length below 2"));
        }
        let body = bytes.get(pos + 2..pos + len).ok_or(JpegError::Truncated)?;
        pos += len;
        match marker {
            0xC0..=0xC2 => {
                if jpeg.is_some() {
                    return Err(JpegError::Unsupported("more than one frame"));
                }
                jpeg = Some(frame(body, marker == 0xC2, max_pixels)?);
            }
            0xC3 | 0xC5..=0xC7 => return Err(JpegError::Unsupported("lossless or hierarchical")),
            0xC9..=0xCF => {
                return Err(JpegError::Unsupported("arithmetic coding"));
            }
            0xC4 => define_huffman(body, &mut dc, &mut ac)?,
            0xDB => {
                dqt16 |= quant_has_16bit(body)?;
                dqt.push(body.to_vec());
            }
            0xDD => {
                let b = body
                    .get(0..2)
                    .ok_or(JpegError::Corrupt("short DRI segment"))?;
                restart_interval = usize::from(u16::from_be_bytes([b[0], b[1]]));
            }
            0xDA => {
                let j = jpeg
                    .as_mut()
                    .ok_or(JpegError::Corrupt("scan before frame header"))?;
                let scan = scan_header(body, j)?;
                pos = decode_scan(bytes, pos, j, &scan, &dc, &ac, restart_interval)?;
            }
            0xDC => return Err(JpegError::Unsupported("DNL marker")),
            0xE0..=0xEF | 0xFE => segments.push((marker, body.to_vec())),
            _ => return Err(JpegError::Corrupt("unknown marker")),
        }
    }
    let mut jpeg = jpeg.ok_or(JpegError::Corrupt("no frame header"))?;
    if dqt.is_empty() {
        return Err(JpegError::Corrupt("no quantization table"));
    }
    jpeg.dqt = dqt;
    jpeg.dqt16 = dqt16;
    jpeg.segments = segments;
    Ok(jpeg)
}

fn frame(body: &[u8], progressive: bool, max_pixels: u64) -> Result<Jpeg, JpegError> {
    let b = body
        .get(0..6)
        .ok_or(JpegError::Corrupt("short frame header"))?;
    if b[0] != 8 {
        return Err(JpegError::Unsupported("sample precision other than 8 bits"));
    }
    let height = u16::from_be_bytes([b[1], b[2]]);
    let width = u16::from_be_bytes([b[3], b[4]]);
    let n = usize::from(b[5]);
    if width == 0 || height == 0 {
        return Err(JpegError::Unsupported("zero or deferred (DNL) dimensions"));
    }
    if !(1..=4).contains(&n) {
        return Err(JpegError::Unsupported("component count outside 1..=4"));
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(JpegError::Corrupt("frame larger than the pixel limit"));
    }
    let spec = body
        .get(6..6 + 3 * n)
        .ok_or(JpegError::Corrupt("short frame header"))?;
    let mut comps = Vec::with_capacity(n);
    for c in spec.chunks_exact(3) {
        let (h, v) = (usize::from(c[1] >> 4), usize::from(c[1] & 15));
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) || c[2] > 3 {
            return Err(JpegError::Corrupt("bad component sampling or table"));
        }
        if comps.iter().any(|x: &(u8, usize, usize, u8)| x.0 == c[0]) {
            return Err(JpegError::Corrupt("duplicate component id"));
        }
        comps.push((c[0], h, v, c[2]));
    }
    let hmax = comps.iter().map(|c| c.1).max().unwrap_or(1);
    let vmax = comps.iter().map(|c| c.2).max().unwrap_or(1);
    let (w, hgt) = (usize::from(width), usize::from(height));
    let mcux = w.div_ceil(8 * hmax);
    let mcuy = hgt.div_ceil(8 * vmax);
    let components = comps
        .into_iter()
        .map(|(id, h, v, tq)| {
            let (bw, bh) = (mcux * h, mcuy * v);
            Component {
                id,
                h,
                v,
                tq,
                bw,
                bh,
                cw: (w * h).div_ceil(hmax).div_ceil(8),
                ch: (hgt * v).div_ceil(vmax).div_ceil(8),
                blocks: vec![[0i16; 64]; bw * bh],
            }
        })
        .collect();
    Ok(Jpeg {
        width,
        height,
        progressive,
        components,
        mcux,
        mcuy,
        dqt: Vec::new(),
        dqt16: false,
        segments: Vec::new(),
    })
}

fn quant_has_16bit(mut body: &[u8]) -> Result<bool, JpegError> {
    let mut wide = false;
    while let Some(&pq_tq) = body.first() {
        let size = if pq_tq >> 4 == 0 { 64 } else { 128 };
        wide |= pq_tq >> 4 != 0;
        body = body
            .get(1 + size..)
            .ok_or(JpegError::Corrupt("short DQT segment"))?;
    }
    Ok(wide)
}

fn define_huffman(
    mut body: &[u8],
    dc: &mut [Option<Decoder>; 4],
    ac: &mut [Option<Decoder>; 4],
) -> Result<(), JpegError> {
    while let Some(&tc_th) = body.first() {
        let counts: [u8; 16] = body
            .get(1..17)
            .and_then(|c| c.try_into().ok())
            .ok_or(JpegError::Corrupt("short DHT segment"))?;
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let symbols = body
            .get(17..17 + total)
            .ok_or(JpegError::Corrupt("short DHT segment"))?;
        let decoder = Decoder::new(&Table {
            counts,
            symbols: symbols.to_vec(),
        })?;
        let id = usize::from(tc_th & 15);
        if id > 3 {
            return Err(JpegError::Corrupt("Huffman table id above 3"));
        }
        match tc_th >> 4 {
            0 => dc[id] = Some(decoder),
            1 => ac[id] = Some(decoder),
            _ => return Err(JpegError::Corrupt("bad Huffman table class")),
        }
        body = body.get(17 + total..).unwrap_or_default();
    }
    Ok(())
}

fn scan_header(body: &[u8], jpeg: &Jpeg) -> Result<ScanHeader, JpegError> {
    let n = usize::from(
        *body
            .first()
            .ok_or(JpegError::Corrupt("short SOS segment"))?,
    );
    let spec = body
        .get(1..1 + 2 * n)
        .ok_or(JpegError::Corrupt("short SOS segment"))?;
    let tail = body
        .get(1 + 2 * n..4 + 2 * n)
        .ok_or(JpegError::Corrupt("short SOS segment"))?;
    if n == 0 || n > 4 {
        return Err(JpegError::Corrupt("scan component count outside 1..=4"));
    }
    let mut comps = Vec::with_capacity(n);
    for c in spec.chunks_exact(2) {
        let index = jpeg
            .components
            .iter()
            .position(|x| x.id == c[0])
            .ok_or(JpegError::Corrupt("scan names an unknown component"))?;
        let (td, ta) = (usize::from(c[1] >> 4), usize::from(c[1] & 15));
        if td > 3 || ta > 3 {
            return Err(JpegError::Corrupt("Huffman table id above 3"));
        }
        comps.push((index, td, ta));
    }
    let scan = ScanHeader {
        comps,
        ss: usize::from(tail[0]),
        se: usize::from(tail[1]),
        ah: tail[2] >> 4,
        al: tail[2] & 15,
    };
    let blocks_per_mcu: usize = scan
        .comps
        .iter()
        .map(|&(i, _, _)| jpeg.components[i].h * jpeg.components[i].v)
        .sum();
    if n > 1 && blocks_per_mcu > 10 {
        return Err(JpegError::Corrupt("more than 10 blocks per MCU"));
    }
    if jpeg.progressive {
        let dc_scan = scan.ss == 0;
        if (dc_scan && scan.se != 0) || (!dc_scan && (scan.se < scan.ss || scan.se > 63 || n != 1))
        {
            return Err(JpegError::Corrupt("bad progressive spectral selection"));
        }
        if scan.al > 13 || scan.ah > 13 || (scan.ah != 0 && scan.ah != scan.al + 1) {
            return Err(JpegError::Corrupt("bad successive approximation"));
        }
    } else if scan.ss != 0 || scan.se != 63 || scan.ah != 0 || scan.al != 0 {
        return Err(JpegError::Corrupt(
            "sequential scan with spectral selection",
        ));
    }
    Ok(scan)
}

/// Per-scan decoding state.
struct State<'t> {
    dc: &'t [Option<Decoder>; 4],
    ac: &'t [Option<Decoder>; 4],
    pred: [i32; 4],
    eobrun: u32,
}

fn table(tables: &[Option<Decoder>; 4], id: usize) -> Result<&Decoder, JpegError> {
    tables
        .get(id)
        .and_then(Option::as_ref)
        .ok_or(JpegError::Corrupt("scan uses an undefined Huffman table"))
}

/// Decodes one scan starting at `pos`; returns where the next marker starts.
fn decode_scan(
    bytes: &[u8],
    pos: usize,
    jpeg: &mut Jpeg,
    scan: &ScanHeader,
    dc: &[Option<Decoder>; 4],
    ac: &[Option<Decoder>; 4],
    restart_interval: usize,
) -> Result<usize, JpegError> {
    let mut r = BitReader::new(bytes, pos);
    let mut st = State {
        dc,
        ac,
        pred: [0; 4],
        eobrun: 0,
    };
    let progressive = jpeg.progressive;
    let mut mcu = 0usize;
    let restart = |r: &mut BitReader<'_>, st: &mut State<'_>, mcu: usize| {
        if restart_interval > 0 && mcu > 0 && mcu.is_multiple_of(restart_interval) {
            st.pred = [0; 4];
            st.eobrun = 0;
            r.restart()
        } else {
            Ok(())
        }
    };
    if scan.comps.len() == 1 {
        let (ci, td, ta) = scan.comps[0];
        let comp = &mut jpeg.components[ci];
        for by in 0..comp.ch {
            for bx in 0..comp.cw {
                restart(&mut r, &mut st, mcu)?;
                let block = &mut comp.blocks[by * comp.bw + bx];
                decode_block(&mut r, &mut st, block, 0, td, ta, scan, progressive)?;
                mcu += 1;
            }
        }
    } else {
        for my in 0..jpeg.mcuy {
            for mx in 0..jpeg.mcux {
                restart(&mut r, &mut st, mcu)?;
                for (slot, &(ci, td, ta)) in scan.comps.iter().enumerate() {
                    let comp = &mut jpeg.components[ci];
                    for v in 0..comp.v {
                        for h in 0..comp.h {
                            let i = (my * comp.v + v) * comp.bw + mx * comp.h + h;
                            let block = &mut comp.blocks[i];
                            decode_block(&mut r, &mut st, block, slot, td, ta, scan, progressive)?;
                        }
                    }
                }
                mcu += 1;
            }
        }
    }
    // Some encoders leave stray bytes before the next marker; libjpeg skips them too.
    let mut end = r.pos;
    while end < bytes.len() {
        if bytes[end] == 0xFF && !matches!(bytes.get(end + 1), Some(0x00 | 0xD0..=0xD7)) {
            return Ok(end);
        }
        end += 1;
    }
    Err(JpegError::Truncated)
}

#[allow(clippy::too_many_arguments)] // reason: the per-block inner loop; a struct costs clarity
fn decode_block(
    r: &mut BitReader<'_>,
    st: &mut State<'_>,
    block: &mut [i16; 64],
    slot: usize,
    td: usize,
    ta: usize,
    scan: &ScanHeader,
    progressive: bool,
) -> Result<(), JpegError> {
    // 8-bit JPEG coefficients fit in 11 bits plus sign; anything larger is corrupt, and would not
    // fit the magnitude categories the encoder writes.
    let coef = |v: i32| {
        if (-2047..=2047).contains(&v) {
            Ok(v as i16)
        } else {
            Err(JpegError::Corrupt("coefficient out of range"))
        }
    };
    if !progressive {
        let s = table(st.dc, td)?.decode(r)?;
        st.pred[slot] += r.signed(s)?;
        block[0] = coef(st.pred[slot])?;
        let actable = table(st.ac, ta)?;
        let mut k = 1;
        while k < 64 {
            let rs = actable.decode(r)?;
            let (run, size) = (usize::from(rs >> 4), rs & 15);
            if size == 0 {
                if run != 15 {
                    break;
                }
                k += 16;
                continue;
            }
            k += run;
            let dst = block
                .get_mut(k)
                .ok_or(JpegError::Corrupt("AC run past the block"))?;
            *dst = coef(r.signed(size)?)?;
            k += 1;
        }
        return Ok(());
    }
    let al = scan.al;
    if scan.ss == 0 {
        if scan.ah == 0 {
            let s = table(st.dc, td)?.decode(r)?;
            st.pred[slot] += r.signed(s)?;
            block[0] = coef(st.pred[slot].checked_shl(u32::from(al)).unwrap_or(i32::MAX))?;
        } else if r.bit()? == 1 {
            block[0] |= 1 << al;
        }
        return Ok(());
    }
    let actable = table(st.ac, ta)?;
    let (ss, se) = (scan.ss, scan.se);
    if scan.ah == 0 {
        if st.eobrun > 0 {
            st.eobrun -= 1;
            return Ok(());
        }
        let mut k = ss;
        while k <= se {
            let rs = actable.decode(r)?;
            let (run, size) = (u32::from(rs >> 4), rs & 15);
            if size == 0 {
                if run < 15 {
                    st.eobrun = (1 << run) - 1;
                    if run > 0 {
                        st.eobrun += r.bits(run as u8)?;
                    }
                    break;
                }
                k += 16;
                continue;
            }
            k += run as usize;
            let v = r.signed(size)?;
            let dst = block.get_mut(k).filter(|_| k <= se);
            *dst.ok_or(JpegError::Corrupt("AC run past the band"))? = coef(v * (1 << al))?;
            k += 1;
        }
        return Ok(());
    }
    // Refinement (T.81 G.1.2.3): one correction bit for each coefficient already nonzero, and
    // newly nonzero coefficients of magnitude 1 << al.
    let p1: i16 = 1 << al;
    let m1: i16 = -p1;
    let mut k = ss;
    let refine = |r: &mut BitReader<'_>, c: &mut i16| -> Result<(), JpegError> {
        if r.bit()? == 1 && (*c & p1) == 0 {
            *c = if *c >= 0 {
                c.wrapping_add(p1)
            } else {
                c.wrapping_add(m1)
            };
        }
        Ok(())
    };
    if st.eobrun == 0 {
        while k <= se {
            let rs = actable.decode(r)?;
            let (mut run, size) = (i32::from(rs >> 4), rs & 15);
            let mut value = 0i16;
            if size != 0 {
                if size != 1 {
                    return Err(JpegError::Corrupt("refinement coefficient of size above 1"));
                }
                value = if r.bit()? == 1 { p1 } else { m1 };
            } else if run != 15 {
                st.eobrun = 1u32 << run;
                if run > 0 {
                    st.eobrun += r.bits(run as u8)?;
                }
                break;
            }
            while k <= se {
                let c = &mut block[k];
                if *c != 0 {
                    refine(r, c)?;
                } else {
                    if run == 0 {
                        break;
                    }
                    run -= 1;
                }
                k += 1;
            }
            if value != 0 {
                let dst = block.get_mut(k).filter(|_| k <= se);
                *dst.ok_or(JpegError::Corrupt("refinement past the band"))? = value;
            }
            k += 1;
        }
    }
    if st.eobrun > 0 {
        while k <= se {
            let c = &mut block[k];
            if *c != 0 {
                refine(r, c)?;
            }
            k += 1;
        }
        st.eobrun -= 1;
    }
    Ok(())
}
