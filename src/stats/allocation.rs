//! Sharing a whole number of units in proportion to weights, so that the parts add up exactly.

/// Largest-remainder shares of `total` units among items of the given weights. Each item gets
/// the floor of its exact quota; the units left go one each to the largest remainders, ties to
/// the item whose key sorts first. Items of weight 0 get nothing; with no weight at all,
/// nothing is shared. The result is in the order of `items`.
pub fn largest_remainder<K: Ord>(total: u64, items: &[(K, u64)]) -> Vec<u64> {
    let weight: u128 = items.iter().map(|(_, w)| u128::from(*w)).sum();
    if weight == 0 {
        return vec![0; items.len()];
    }
    let total = u128::from(total);
    let mut shares: Vec<u64> = Vec::with_capacity(items.len());
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(items.len());
    for (index, (_, w)) in items.iter().enumerate() {
        let exact = total * u128::from(*w);
        shares.push((exact / weight) as u64);
        remainders.push((exact % weight, index));
    }
    let given: u128 = shares.iter().map(|s| u128::from(*s)).sum();
    let mut left = (total - given) as usize;
    // Largest remainder first; among equal remainders, the smaller key.
    remainders
        .sort_by(|(ra, ia), (rb, ib)| rb.cmp(ra).then_with(|| items[*ia].0.cmp(&items[*ib].0)));
    for (remainder, index) in remainders {
        if left == 0 {
            break;
        }
        if remainder > 0 {
            shares[index] += 1;
            left -= 1;
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shares_follow_the_weights_and_add_up() {
        let shares = largest_remainder(35_000, &[("A", 1), ("B", 1), ("C", 1)]);
        assert_eq!(shares.iter().sum::<u64>(), 35_000);
        // 11666.67 each: the two units left go to the first codes.
        assert_eq!(shares, vec![11_667, 11_667, 11_666]);
    }

    #[test]
    fn an_exact_split_needs_no_remainder() {
        assert_eq!(largest_remainder(100, &[("A", 3), ("B", 1)]), vec![75, 25]);
    }

    #[test]
    fn nothing_is_shared_without_weight() {
        assert_eq!(largest_remainder(100, &[("A", 0), ("B", 0)]), vec![0, 0]);
        assert!(largest_remainder::<&str>(100, &[]).is_empty());
    }

    #[test]
    fn ties_go_to_the_smaller_key_whatever_the_order() {
        assert_eq!(largest_remainder(1, &[("B", 1), ("A", 1)]), vec![0, 1]);
        assert_eq!(largest_remainder(1, &[("A", 1), ("B", 1)]), vec![1, 0]);
    }

    fn members() -> impl Strategy<Value = Vec<(String, u64)>> {
        prop::collection::btree_map("[A-Z]{1,6}", 0u64..2_000, 0..25)
            .prop_map(|m| m.into_iter().collect())
    }

    proptest! {
        #[test]
        fn allocations_always_add_up_exactly(total in 0u64..10_000_000, items in members()) {
            let shares = largest_remainder(total, &items);
            let weight: u64 = items.iter().map(|(_, w)| w).sum();
            let sum: u64 = shares.iter().sum();
            prop_assert_eq!(sum, if weight == 0 { 0 } else { total });
        }

        #[test]
        fn a_member_without_tickets_gets_nothing(total in 0u64..10_000_000, items in members()) {
            let shares = largest_remainder(total, &items);
            for ((_, weight), share) in items.iter().zip(&shares) {
                if *weight == 0 {
                    prop_assert_eq!(*share, 0);
                }
            }
        }

        #[test]
        fn each_share_is_within_one_unit_of_its_quota(total in 0u64..10_000_000, items in members()) {
            let shares = largest_remainder(total, &items);
            let weight: u64 = items.iter().map(|(_, w)| w).sum();
            if weight > 0 {
                for ((_, w), share) in items.iter().zip(&shares) {
                    let quota = total as f64 * *w as f64 / weight as f64;
                    prop_assert!((*share as f64 - quota).abs() < 1.0 + 1e-6);
                }
            }
        }

        #[test]
        fn reordering_the_members_changes_no_share(total in 0u64..10_000_000, items in members(), seed in any::<u64>()) {
            let shares = largest_remainder(total, &items);
            let mut shuffled: Vec<(usize, &(String, u64))> = items.iter().enumerate().collect();
            // A deterministic shuffle from the seed.
            shuffled.sort_by_key(|(i, _)| (*i as u64).wrapping_mul(seed | 1).rotate_left(17));
            let reordered: Vec<(String, u64)> = shuffled.iter().map(|(_, item)| (*item).clone()).collect();
            let reordered_shares = largest_remainder(total, &reordered);
            for ((original_index, _), share) in shuffled.iter().zip(&reordered_shares) {
                prop_assert_eq!(shares[*original_index], *share);
            }
        }
    }
}
