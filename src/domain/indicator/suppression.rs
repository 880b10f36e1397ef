//! Which cells of a year's table a caller may not see.
//!
//! *Primary* suppression hides small counts (1 to threshold − 1) and shares
//! whose denominator is that small. *Secondary* suppression then hides as
//! few other cells as it can so that no hidden cell can be worked out from
//! the cells shown: a year's table (12 months, 3 tertials, 2 halves and the
//! year, each for `K`, `M` and `T`) is bound by linear relations — `K + M =
//! T`, and for additive indicators a year is the sum of its months, of its
//! tertials and of its halves, and a tertial or half the sum of its months
//! — and a hidden cell is derivable exactly when its unit vector lies in
//! the span of those relations and the shown cells. Each year stands
//! alone: no relation runs across years or municipalities.

use std::collections::{BTreeMap, BTreeSet};

use super::period::Length;
use super::{Gender, Period};

/// A cell of a year's table.
pub type Key = (Period, Gender);

const EPSILON: f64 = 1e-9;

/// The linear relations between the cells present in `keys`.
fn relations(keys: &[Key], additive: bool) -> Vec<Vec<f64>> {
    let index: BTreeMap<Key, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let mut rows = Vec::new();
    let mut relate = |whole: Key, parts: &[Key]| {
        let Some(&w) = index.get(&whole) else { return };
        let parts: Option<Vec<usize>> = parts.iter().map(|p| index.get(p).copied()).collect();
        let Some(parts) = parts else { return };
        let mut row = vec![0.0; keys.len()];
        row[w] = -1.0;
        for p in parts {
            row[p] += 1.0;
        }
        rows.push(row);
    };
    let periods: BTreeSet<Period> = keys.iter().map(|k| k.0).collect();
    for &period in &periods {
        relate(
            (period, Gender::T),
            &[(period, Gender::K), (period, Gender::M)],
        );
    }
    if additive {
        let genders: BTreeSet<Gender> = keys.iter().map(|k| k.1).collect();
        for &period in &periods {
            if period.length() == Length::Month {
                continue;
            }
            let mut kinds = vec![Length::Month];
            if period.length() == Length::Year {
                kinds.extend([Length::Tertial, Length::Half]);
            }
            for kind in kinds {
                let parts: Vec<Period> = Period::all_of_year(period.calendar_year())
                    .into_iter()
                    .filter(|p| {
                        p.length() == kind
                            && period.first_day() <= p.first_day()
                            && p.last_day() <= period.last_day()
                    })
                    .collect();
                for &g in &genders {
                    let parts: Vec<Key> = parts.iter().map(|p| (*p, g)).collect();
                    relate((period, g), &parts);
                }
            }
        }
    }
    rows
}

/// Rows in reduced echelon form, with each row's pivot column.
struct Span {
    rows: Vec<(usize, Vec<f64>)>,
}

impl Span {
    fn of(mut rows: Vec<Vec<f64>>, width: usize) -> Self {
        let mut basis: Vec<(usize, Vec<f64>)> = Vec::new();
        let mut rank = 0;
        for col in 0..width {
            let Some(pivot) = (rank..rows.len())
                .max_by(|&a, &b| rows[a][col].abs().total_cmp(&rows[b][col].abs()))
            else {
                break;
            };
            if rows[pivot][col].abs() < EPSILON {
                continue;
            }
            rows.swap(rank, pivot);
            let lead = rows[rank][col];
            for v in rows[rank].iter_mut() {
                *v /= lead;
            }
            let pivot_row = rows[rank].clone();
            for (i, row) in rows.iter_mut().enumerate() {
                if i != rank && row[col].abs() > EPSILON {
                    let factor = row[col];
                    for (v, p) in row.iter_mut().zip(&pivot_row) {
                        *v -= factor * p;
                    }
                }
            }
            basis.push((col, pivot_row));
            rank += 1;
        }
        Self { rows: basis }
    }

    /// Whether the cell at `column` is fixed by the rows.
    fn fixes(&self, column: usize, width: usize) -> bool {
        let mut v = vec![0.0_f64; width];
        v[column] = 1.0;
        for (pivot, row) in &self.rows {
            let factor = v[*pivot];
            if factor.abs() > EPSILON {
                for (x, r) in v.iter_mut().zip(row) {
                    *x -= factor * r;
                }
            }
        }
        v.iter().all(|x| x.abs() < EPSILON)
    }
}

struct Table<'a> {
    keys: Vec<Key>,
    values: &'a BTreeMap<Key, i64>,
    relations: Vec<Vec<f64>>,
}

impl Table<'_> {
    /// The places of `cells` in the table.
    fn indices(&self, cells: &BTreeSet<Key>) -> BTreeSet<usize> {
        self.keys
            .iter()
            .enumerate()
            .filter(|(_, k)| cells.contains(k))
            .map(|(i, _)| i)
            .collect()
    }

    fn span(&self, hidden: &BTreeSet<usize>) -> Span {
        let width = self.keys.len();
        let mut rows = self.relations.clone();
        for i in (0..width).filter(|i| !hidden.contains(i)) {
            let mut row = vec![0.0; width];
            row[i] = 1.0;
            rows.push(row);
        }
        Span::of(rows, width)
    }

    fn exposed(&self, hidden: &BTreeSet<usize>) -> Option<usize> {
        let span = self.span(hidden);
        hidden
            .iter()
            .copied()
            .find(|&i| span.fixes(i, self.keys.len()))
    }

    /// The shown cells that share a relation with cell `i`, the least
    /// telling first (small values, months before years, `K`/`M` before `T`).
    fn neighbours(&self, i: usize, hidden: &BTreeSet<usize>) -> Vec<usize> {
        let mut found: BTreeSet<usize> = BTreeSet::new();
        for row in self.relations.iter().filter(|r| r[i].abs() > EPSILON) {
            found.extend(
                row.iter()
                    .enumerate()
                    .filter(|(j, v)| v.abs() > EPSILON && !hidden.contains(j))
                    .map(|(j, _)| j),
            );
        }
        let mut list: Vec<usize> = found.into_iter().collect();
        list.sort_by_key(|&j| {
            let (period, gender) = self.keys[j];
            (
                self.values[&self.keys[j]],
                period.length(),
                gender == Gender::T,
                j,
            )
        });
        list
    }
}

/// The cells to hide: the `primary` ones and as few others as it takes so
/// that none of them can be derived from the cells shown. `values` holds
/// every cell the caller can read for one indicator, municipality and
/// year (a real zero included); `known` cells are never hidden to protect
/// another (their value is known anyway, such as a missing month's
/// nothing), nor are zeros (a hidden zero is given away by counts never
/// being negative); `open` cells (periods not yet over, whose values still
/// move) are hidden only where no closed one will do, so that what is
/// hidden in the past stays put as the year goes on; `additive` says
/// whether longer periods are sums of shorter ones.
pub fn hidden(
    values: &BTreeMap<Key, i64>,
    primary: &BTreeSet<Key>,
    known: &BTreeSet<Key>,
    open: &BTreeSet<Key>,
    additive: bool,
) -> BTreeSet<Key> {
    let keys: Vec<Key> = values.keys().copied().collect();
    let table = Table {
        relations: relations(&keys, additive),
        keys,
        values,
    };
    let last = table.indices(open);
    let mut hidden = table.indices(primary);
    let fixed = table.indices(known);
    while let Some(exposed) = table.exposed(&hidden) {
        let mut neighbours = table.neighbours(exposed, &hidden);
        neighbours.retain(|j| !fixed.contains(j) && table.values[&table.keys[*j]] != 0);
        // Closed periods first, each kind in its order of least telling.
        neighbours.sort_by_key(|j| last.contains(j));
        // The least telling cell that alone hides it; else the least
        // telling one, and look again.
        let alone = neighbours.iter().copied().find(|&j| {
            let mut more = hidden.clone();
            more.insert(j);
            !table.span(&more).fixes(exposed, table.keys.len())
        });
        match alone.or(neighbours.first().copied()) {
            Some(j) => hidden.insert(j),
            // Fixed by relations alone cannot happen: every relation has at
            // least two cells. Hide everything rather than loop.
            None => {
                hidden.extend(0..table.keys.len());
                break;
            }
        };
    }
    hidden.into_iter().map(|i| table.keys[i]).collect()
}

/// Cells an attacker can work out from what is shown by applying one
/// relation at a time (a cell is learnt when every other cell of a
/// relation is known): an independent check of [`hidden`], used by tests.
pub fn peel(values: &BTreeMap<Key, Option<i64>>, additive: bool) -> BTreeMap<Key, i64> {
    let keys: Vec<Key> = values.keys().copied().collect();
    let rows = relations(&keys, additive);
    let mut known: BTreeMap<usize, i64> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| values[k].map(|v| (i, v)))
        .collect();
    let mut learnt = BTreeMap::new();
    loop {
        let mut progress = false;
        for row in &rows {
            let unknown: Vec<usize> = (0..keys.len())
                .filter(|j| row[*j].abs() > EPSILON && !known.contains_key(j))
                .collect();
            if let [j] = unknown[..] {
                let rest: f64 = (0..keys.len())
                    .filter(|k| *k != j && row[*k].abs() > EPSILON)
                    .map(|k| row[k] * known[&k] as f64)
                    .sum();
                let value = (-rest / row[j]).round() as i64;
                known.insert(j, value);
                learnt.insert(keys[j], value);
                progress = true;
            }
        }
        if !progress {
            return learnt;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A year's table of an additive count split by sex, from monthly
    /// (K, M) counts.
    fn table(months: &[(i64, i64)]) -> BTreeMap<Key, i64> {
        let mut values = BTreeMap::new();
        for period in Period::all_of_year(2019) {
            let (mut k, mut m) = (0, 0);
            for month in period.months() {
                let i = month
                    .first_day()
                    .format("%m")
                    .to_string()
                    .parse::<usize>()
                    .unwrap()
                    - 1;
                k += months[i].0;
                m += months[i].1;
            }
            values.insert((period, Gender::K), k);
            values.insert((period, Gender::M), m);
            values.insert((period, Gender::T), k + m);
        }
        values
    }

    fn primary(values: &BTreeMap<Key, i64>) -> BTreeSet<Key> {
        values
            .iter()
            .filter(|(_, v)| (1..5).contains(*v))
            .map(|(k, _)| *k)
            .collect()
    }

    fn shown(values: &BTreeMap<Key, i64>, hidden: &BTreeSet<Key>) -> BTreeMap<Key, Option<i64>> {
        values
            .iter()
            .map(|(k, v)| (*k, (!hidden.contains(k)).then_some(*v)))
            .collect()
    }

    #[test]
    fn one_small_cell_takes_its_complement_and_a_month_with_it() {
        let mut months = vec![(20, 20); 12];
        months[2] = (3, 30);
        let values = table(&months);
        let hidden = hidden(
            &values,
            &primary(&values),
            &BTreeSet::new(),
            &BTreeSet::new(),
            true,
        );
        let march = Period::parse("2019-03").unwrap();
        assert!(hidden.contains(&(march, Gender::K)));
        // K + M = T would give K back, and so would the year less the
        // other months: more than the one cell must go.
        assert!(hidden.len() >= 4, "{hidden:?}");
        assert!(
            peel(&shown(&values, &hidden), true)
                .keys()
                .all(|k| !hidden.contains(k))
        );
    }

    #[test]
    fn no_hidden_cell_is_derivable_from_the_cells_shown() {
        // Deterministic pseudo-random tables with many small cells.
        let mut seed: u64 = 7;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % 9
        };
        for _ in 0..40 {
            let months: Vec<(i64, i64)> = (0..12).map(|_| (next() as i64, next() as i64)).collect();
            let values = table(&months);
            let hidden = hidden(
                &values,
                &primary(&values),
                &BTreeSet::new(),
                &BTreeSet::new(),
                true,
            );
            for key in primary(&values) {
                assert!(hidden.contains(&key));
            }
            let learnt = peel(&shown(&values, &hidden), true);
            for key in &hidden {
                assert!(!learnt.contains_key(key), "{key:?} derivable in {months:?}");
            }
        }
    }

    #[test]
    fn nothing_small_hides_nothing() {
        let values = table(&[(10, 12); 12]);
        assert!(
            hidden(
                &values,
                &primary(&values),
                &BTreeSet::new(),
                &BTreeSet::new(),
                true
            )
            .is_empty()
        );
    }

    #[test]
    fn a_stock_is_bound_by_sex_only() {
        let mut values = BTreeMap::new();
        let year = Period::parse("2019").unwrap();
        values.insert((year, Gender::T), 3);
        assert_eq!(
            hidden(
                &values,
                &primary(&values),
                &BTreeSet::new(),
                &BTreeSet::new(),
                false
            )
            .len(),
            1
        );
    }
}
