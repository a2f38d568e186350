import type { Review } from "../model.js";
import { createPrng, shuffle } from "./prng.js";

// How many 5, 4, 3, 2 and 1 star reviews each product p1..p24 has. Hand-picked
// so p1 has 120 reviews averaging exactly 4.4 and p24 has none.
const DISTRIBUTIONS: readonly (readonly [number, number, number, number, number])[] = [
  [70, 37, 7, 3, 3],
  [25, 12, 5, 2, 1],
  [3, 3, 1, 1, 0],
  [20, 7, 2, 1, 0],
  [40, 15, 5, 2, 2],
  [8, 3, 1, 0, 0],
  [10, 7, 3, 1, 1],
  [30, 14, 4, 2, 1],
  [9, 5, 2, 1, 0],
  [22, 10, 4, 1, 1],
  [5, 2, 1, 0, 1],
  [35, 22, 9, 4, 3],
  [6, 5, 2, 1, 0],
  [18, 6, 2, 1, 0],
  [15, 10, 5, 2, 1],
  [12, 5, 1, 1, 0],
  [7, 3, 1, 0, 0],
  [2, 2, 1, 1, 0],
  [28, 18, 7, 3, 2],
  [0, 1, 0, 0, 0],
  [16, 5, 2, 1, 0],
  [1, 1, 1, 0, 0],
  [8, 4, 2, 0, 1],
  [0, 0, 0, 0, 0],
];

const AUTHORS = [
  "Alex M.",
  "Priya S.",
  "Jordan K.",
  "Mei L.",
  "Samuel O.",
  "Fatima R.",
  "Lukas B.",
  "Chloe D.",
  "Diego F.",
  "Hannah W.",
  "Kenji T.",
  "Amara N.",
  "Olivia P.",
  "Mateo G.",
  "Sofia V.",
  "Noah H.",
  "Zara A.",
  "Ethan C.",
  "Ingrid J.",
  "Ravi K.",
] as const;

const TITLES: Record<number, readonly string[]> = {
  5: ["Love it", "Exceeded expectations", "Worth every cent", "Five stars", "Would buy again"],
  4: ["Very good", "Solid choice", "Happy with it", "Great value", "Almost perfect"],
  3: ["It's okay", "Does the job", "Mixed feelings", "Average", "Fine for the price"],
  2: ["Disappointed", "Not great", "Expected more", "Meh"],
  1: ["Broke quickly", "Would not recommend", "Returned it", "Poor quality"],
};

const BODIES: Record<number, readonly string[]> = {
  5: [
    "Works exactly as described and feels well made. Delivery was quick too.",
    "I use it every day and it still feels like new. Highly recommended.",
    "Bought it as a gift and ended up getting one for myself as well.",
  ],
  4: [
    "Very good overall; a couple of small niggles but nothing that matters.",
    "Does everything I need. Knocked off one star because of the packaging.",
    "Good quality for the price, would recommend to a friend.",
  ],
  3: [
    "It works, but I expected a bit more at this price.",
    "Decent, though the instructions could be clearer.",
    "Not bad, not amazing. It does what it says.",
  ],
  2: [
    "Stopped working properly after a few weeks of light use.",
    "The finish is not as nice as in the photos.",
  ],
  1: ["Arrived damaged and support was slow to answer.", "Fell apart within a month. Returned it."],
};

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const NEWEST_REVIEW_AT = Date.UTC(2026, 0, 20, 18, 0, 0);

/** Reviews for one product, newest first. */
function reviewsFor(index: number, random: () => number): Review[] {
  const dist = DISTRIBUTIONS[index] ?? [0, 0, 0, 0, 0];
  const ratings = dist.flatMap((count, i) => Array<number>(count).fill(5 - i));
  let at = NEWEST_REVIEW_AT - index * 5 * 3_600_000;
  return shuffle(ratings, random).map((rating) => {
    const review: Review = {
      author: pick(AUTHORS, random),
      rating,
      title: pick(TITLES[rating]!, random),
      body: pick(BODIES[rating]!, random),
      date: isoSeconds(at),
    };
    // Whole minutes, 3 to 40 hours apart, always strictly older than the previous one.
    at -= (3 + Math.floor(random() * 38)) * 3_600_000 + Math.floor(random() * 60) * 60_000;
    return review;
  });
}

export function buildReviews(productIds: readonly string[]): Record<string, Review[]> {
  const random = createPrng(20260120);
  return Object.fromEntries(productIds.map((id, i) => [id, reviewsFor(i, random)]));
}

/**
 * The average rating the reviews service reports: one decimal, `null` when
 * there are no reviews.
 */
export function averageRating(reviews: readonly Pick<Review, "rating">[]): number | null {
  if (reviews.length === 0) return null;
  const sum = reviews.reduce((acc, r) => acc + r.rating, 0);
  return Math.round((sum / reviews.length) * 10) / 10;
}
