//! Writing coefficients back as a JPEG with optimal Huffman tables: every scan is run twice,
//! first counting symbols, then emitting them with the table built from those counts.
//!
//! Progressive output uses the scan script libjpeg's `jpeg_simple_progression` uses (and so
//! `jpegtran -progressive`): DC first with one bit of successive approximation, the low AC band of
//! luma apart, chroma at one bit, luma at two, then the refinement scans.

#![allow(
    clippy::indexing_slicing,
    reason = "coefficients come from our own decoder in 64-entry blocks; table indices are 8-bit symbols into 256-entry tables"
)]

use super::huffman::{BitWriter, Encoder, Table, optimal_table};
use super::{Component, Jpeg, push_segment};

#[derive(Debug, Clone)]
struct Scan {
    comps: Vec<usize>,
    ss: usize,
    se: usize,
    ah: u8,
    al: u8,
}

fn scan(comps: &[usize], ss: usize, se: usize, ah: u8, al: u8) -> Scan {
    Scan {
        comps: comps.to_vec(),
        ss,
        se,
        ah,
        al,
    }
}

/// Scans for a sequential file: one interleaved scan when the MCU allows it, else one per component.
fn sequential_script(jpeg: &Jpeg) -> Vec<Scan> {
    let all: Vec<usize> = (0..jpeg.components.len()).collect();
    let blocks: usize = jpeg.components.iter().map(|c| c.h * c.v).sum();
    if all.len() == 1 || blocks <= 10 {
        vec![scan(&all, 0, 63, 0, 0)]
    } else {
        all.iter().map(|&c| scan(&[c], 0, 63, 0, 0)).collect()
    }
}

fn progressive_script(jpeg: &Jpeg) -> Vec<Scan> {
    let n = jpeg.components.len();
    let all: Vec<usize> = (0..n).collect();
    let blocks: usize = jpeg.components.iter().map(|c| c.h * c.v).sum();
    let dc = |ah, al| -> Vec<Scan> {
        if n == 1 || blocks <= 10 {
            vec![scan(&all, 0, 0, ah, al)]
        } else {
            all.iter().map(|&c| scan(&[c], 0, 0, ah, al)).collect()
        }
    };
    let mut s = Vec::new();
    if n == 3 {
        s.extend(dc(0, 1));
        s.push(scan(&[0], 1, 5, 0, 2));
        s.push(scan(&[2], 1, 63, 0, 1));
        s.push(scan(&[1], 1, 63, 0, 1));
        s.push(scan(&[0], 6, 63, 0, 2));
        s.push(scan(&[0], 1, 63, 2, 1));
        s.extend(dc(1, 0));
        s.push(scan(&[2], 1, 63, 1, 0));
        s.push(scan(&[1], 1, 63, 1, 0));
        s.push(scan(&[0], 1, 63, 1, 0));
    } else {
        s.extend(dc(0, 1));
        s.extend(all.iter().map(|&c| scan(&[c], 1, 5, 0, 2)));
        s.extend(all.iter().map(|&c| scan(&[c], 6, 63, 0, 2)));
        s.extend(all.iter().map(|&c| scan(&[c], 1, 63, 2, 1)));
        s.extend(dc(1, 0));
        s.extend(all.iter().map(|&c| scan(&[c], 1, 63, 1, 0)));
    }
    s
}

/// The whole file: SOI, the metadata already framed, DQT as read, the frame, the scans, EOI.
pub(crate) fn write(jpeg: &Jpeg, metadata: &[u8], progressive: bool) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    out.extend_from_slice(metadata);
    for body in &jpeg.dqt {
        push_segment(&mut out, 0xDB, body);
    }
    let sof = match (progressive, jpeg.dqt16) {
        (true, _) => 0xC2,
        (false, false) => 0xC0,
        (false, true) => 0xC1,
    };
    let mut frame = vec![8];
    frame.extend_from_slice(&jpeg.height.to_be_bytes());
    frame.extend_from_slice(&jpeg.width.to_be_bytes());
    frame.push(jpeg.components.len() as u8);
    for c in &jpeg.components {
        frame.extend_from_slice(&[c.id, ((c.h as u8) << 4) | c.v as u8, c.tq]);
    }
    push_segment(&mut out, sof, &frame);
    let script = if progressive {
        progressive_script(jpeg)
    } else {
        sequential_script(jpeg)
    };
    for s in &script {
        write_scan(&mut out, jpeg, s, 0);
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// A baseline file with a restart marker every `interval` MCUs, for the decoder's tests: no
/// metadata, the same frame.
#[cfg(test)]
pub(crate) fn write_with_restarts(jpeg: &Jpeg, interval: usize) -> Vec<u8> {
    let plain = write(jpeg, &[], false);
    // Everything up to the first DHT is SOI, DQT and SOF; put DRI there and re-encode the scans.
    let first_dht = plain
        .windows(2)
        .position(|w| w == [0xFF, 0xC4])
        .unwrap_or(plain.len());
    let mut out = plain[..first_dht].to_vec();
    push_segment(&mut out, 0xDD, &(interval as u16).to_be_bytes());
    for s in &sequential_script(jpeg) {
        write_scan(&mut out, jpeg, s, interval);
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// Where the entropy coder's output goes: symbol counts on the first pass, bits on the second.
trait Sink {
    fn dc(&mut self, table: usize, symbol: u8);
    fn ac(&mut self, table: usize, symbol: u8);
    fn bits(&mut self, value: u32, n: u8);
    /// Pads to a byte and writes RSTn.
    fn restart(&mut self, n: u8);
}

struct Counter {
    dc: [[u32; 256]; 2],
    ac: [[u32; 256]; 2],
}

impl Default for Counter {
    fn default() -> Counter {
        Counter {
            dc: [[0; 256]; 2],
            ac: [[0; 256]; 2],
        }
    }
}

impl Sink for Counter {
    fn dc(&mut self, table: usize, symbol: u8) {
        self.dc[table][usize::from(symbol)] += 1;
    }
    fn ac(&mut self, table: usize, symbol: u8) {
        self.ac[table][usize::from(symbol)] += 1;
    }
    fn bits(&mut self, _: u32, _: u8) {}
    fn restart(&mut self, _: u8) {}
}

struct Writer {
    w: BitWriter,
    dc: [Option<Encoder>; 2],
    ac: [Option<Encoder>; 2],
}

impl Sink for Writer {
    fn dc(&mut self, table: usize, symbol: u8) {
        if let Some(e) = &self.dc[table] {
            e.put(&mut self.w, symbol);
        }
    }
    fn ac(&mut self, table: usize, symbol: u8) {
        if let Some(e) = &self.ac[table] {
            e.put(&mut self.w, symbol);
        }
    }
    fn bits(&mut self, value: u32, n: u8) {
        self.w.put(value, n);
    }
    fn restart(&mut self, n: u8) {
        let w = std::mem::take(&mut self.w);
        self.w.out = w.finish();
        self.w.out.extend_from_slice(&[0xFF, 0xD0 + (n & 7)]);
    }
}

/// Luma (the first component) gets table 0, the others share table 1: two tables of each class,
/// as baseline allows.
fn table_of(component: usize) -> usize {
    usize::from(component != 0)
}

fn write_scan(out: &mut Vec<u8>, jpeg: &Jpeg, s: &Scan, restart: usize) {
    let mut counter = Counter::default();
    run_scan(jpeg, s, restart, &mut counter);
    let uses_dc = s.ss == 0 && s.ah == 0;
    let uses_ac = s.se > 0;
    let mut dht = Vec::new();
    let mut writer = Writer {
        w: BitWriter::default(),
        dc: [None, None],
        ac: [None, None],
    };
    for t in 0..2 {
        if !s.comps.iter().any(|&c| table_of(c) == t) {
            continue;
        }
        for (class, counts, slot) in [
            (0u8, &counter.dc[t], &mut writer.dc[t]),
            (1u8, &counter.ac[t], &mut writer.ac[t]),
        ] {
            if (class == 0 && !uses_dc) || (class == 1 && !uses_ac) {
                continue;
            }
            let table = table_for(counts);
            dht.push((class << 4) | t as u8);
            dht.extend_from_slice(&table.counts);
            dht.extend_from_slice(&table.symbols);
            *slot = Some(Encoder::new(&table));
        }
    }
    if !dht.is_empty() {
        push_segment(out, 0xC4, &dht);
    }
    let mut sos = vec![s.comps.len() as u8];
    for &c in &s.comps {
        let t = table_of(c) as u8;
        sos.extend_from_slice(&[jpeg.components[c].id, (t << 4) | t]);
    }
    sos.extend_from_slice(&[s.ss as u8, s.se as u8, (s.ah << 4) | s.al]);
    push_segment(out, 0xDA, &sos);
    run_scan(jpeg, s, restart, &mut writer);
    out.extend_from_slice(&writer.w.finish());
}

fn table_for(counts: &[u32; 256]) -> Table {
    if counts.iter().all(|&c| c == 0) {
        // A table must hold at least one code even when the scan emits none.
        let mut one = [0u32; 256];
        one[0] = 1;
        return optimal_table(&one);
    }
    optimal_table(counts)
}

/// Number of bits needed for |v| (the magnitude category).
fn category(v: i32) -> u8 {
    (32 - v.unsigned_abs().leading_zeros()) as u8
}

/// The low `n` bits that code `v` in category `n`: v itself, or v - 1 for negatives.
fn magnitude_bits(v: i32) -> u32 {
    (if v < 0 { v - 1 } else { v }) as u32
}

struct ScanState {
    pred: [i32; 4],
    eobrun: u32,
    /// Correction bits owed by the blocks of the pending EOB run (refinement scans).
    pending: Vec<u8>,
}

/// Runs the entropy coder over a scan; `restart` > 0 puts a restart marker every that many MCUs.
fn run_scan<S: Sink>(jpeg: &Jpeg, s: &Scan, restart: usize, sink: &mut S) {
    let mut st = ScanState {
        pred: [0; 4],
        eobrun: 0,
        pending: Vec::new(),
    };
    let t = table_of(s.comps[0]);
    let mut mcu = 0usize;
    let mut next_mcu = |st: &mut ScanState, sink: &mut S| {
        if restart > 0 && mcu > 0 && mcu.is_multiple_of(restart) {
            flush_eobrun(s, st, t, sink);
            sink.restart(((mcu / restart - 1) % 8) as u8);
            st.pred = [0; 4];
        }
        mcu += 1;
    };
    if s.comps.len() == 1 {
        let ci = s.comps[0];
        let comp = &jpeg.components[ci];
        for by in 0..comp.ch {
            for bx in 0..comp.cw {
                next_mcu(&mut st, sink);
                encode_block(&comp.blocks[by * comp.bw + bx], 0, ci, s, &mut st, sink);
            }
        }
    } else {
        for my in 0..jpeg.mcuy {
            for mx in 0..jpeg.mcux {
                next_mcu(&mut st, sink);
                for (slot, &ci) in s.comps.iter().enumerate() {
                    let comp: &Component = &jpeg.components[ci];
                    for v in 0..comp.v {
                        for h in 0..comp.h {
                            let i = (my * comp.v + v) * comp.bw + mx * comp.h + h;
                            encode_block(&comp.blocks[i], slot, ci, s, &mut st, sink);
                        }
                    }
                }
            }
        }
    }
    flush_eobrun(s, &mut st, t, sink);
}

fn flush_eobrun<S: Sink>(_s: &Scan, st: &mut ScanState, t: usize, sink: &mut S) {
    if st.eobrun > 0 {
        let n = category(st.eobrun as i32) - 1;
        sink.ac(t, n << 4);
        sink.bits(st.eobrun, n);
        st.eobrun = 0;
    }
    for &b in &st.pending {
        sink.bits(u32::from(b), 1);
    }
    st.pending.clear();
}

fn encode_block<S: Sink>(
    block: &[i16; 64],
    slot: usize,
    ci: usize,
    s: &Scan,
    st: &mut ScanState,
    sink: &mut S,
) {
    let t = table_of(ci);
    if s.ss == 0 {
        if s.ah == 0 {
            // Arithmetic shift: the DC point transform of G.1.2.1.
            let value = i32::from(block[0]) >> s.al;
            let diff = value - st.pred[slot];
            st.pred[slot] = value;
            let n = category(diff);
            sink.dc(t, n);
            sink.bits(magnitude_bits(diff), n);
        } else {
            sink.bits((i32::from(block[0]) >> s.al) as u32 & 1, 1);
        }
        if s.se == 0 {
            return;
        }
    }
    let start = s.ss.max(1);
    if s.ah == 0 {
        // Sequential AC, or a progressive first pass (point transform rounds toward zero).
        let mut run = 0u8;
        for &c in &block[start..=s.se] {
            let mag = i32::from(c).abs() >> s.al;
            if mag == 0 {
                run += 1;
                continue;
            }
            if s.ss > 0 {
                flush_eobrun(s, st, t, sink);
            }
            while run > 15 {
                sink.ac(t, 0xF0);
                run -= 16;
            }
            let v = if c < 0 { -mag } else { mag };
            let n = category(v);
            sink.ac(t, (run << 4) | n);
            sink.bits(magnitude_bits(v), n);
            run = 0;
        }
        if run > 0 {
            if s.ss == 0 {
                sink.ac(t, 0x00);
            } else {
                st.eobrun += 1;
                if st.eobrun == 0x7FFF {
                    flush_eobrun(s, st, t, sink);
                }
            }
        }
        return;
    }
    // Refinement pass (G.1.2.3), mirrored from the decoder: newly nonzero coefficients are coded
    // with the run of zero-history coefficients before them; coefficients nonzero in an earlier
    // pass contribute one correction bit each, sent after the next symbol.
    let abs: Vec<i32> = block[start..=s.se]
        .iter()
        .map(|&c| i32::from(c).abs() >> s.al)
        .collect();
    let eob = abs.iter().rposition(|&a| a == 1);
    let mut run = 0u8;
    let mut correction: Vec<u8> = Vec::new();
    for (k, (&a, &c)) in abs.iter().zip(&block[start..=s.se]).enumerate() {
        if a == 0 {
            run += 1;
            continue;
        }
        while run > 15 && eob.is_some_and(|e| k <= e) {
            flush_eobrun(s, st, t, sink);
            sink.ac(t, 0xF0);
            run -= 16;
            for &b in &correction {
                sink.bits(u32::from(b), 1);
            }
            correction.clear();
        }
        if a > 1 {
            correction.push((a & 1) as u8);
            continue;
        }
        flush_eobrun(s, st, t, sink);
        sink.ac(t, (run << 4) | 1);
        sink.bits(u32::from(c >= 0), 1);
        for &b in &correction {
            sink.bits(u32::from(b), 1);
        }
        correction.clear();
        run = 0;
    }
    if run > 0 || !correction.is_empty() {
        st.eobrun += 1;
        st.pending.extend_from_slice(&correction);
        // Bound the buffered bits as libjpeg does, so a long run cannot hold unbounded memory.
        if st.eobrun == 0x7FFF || st.pending.len() > 937 {
            flush_eobrun(s, st, t, sink);
        }
    }
}
