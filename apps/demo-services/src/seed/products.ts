import type { Product, ProductImage } from "../model.js";

interface ProductRow {
  readonly name: string;
  readonly description: string;
  readonly brand: string;
  readonly category: string;
  readonly imageCount: 1 | 2 | 3;
}

// Row n is product `p{n+1}`. Hand-written so names read well in the demo UI.
const ROWS: readonly ProductRow[] = [
  {
    name: "Aurora Wireless Headphones",
    description: "Over-ear headphones with active noise cancelling and 30 hours of battery.",
    brand: "Sonora",
    category: "audio",
    imageCount: 3,
  },
  {
    name: "Pebble Bluetooth Speaker",
    description: "A palm-sized waterproof speaker with a surprisingly deep bass.",
    brand: "Sonora",
    category: "audio",
    imageCount: 2,
  },
  {
    name: "Studio Condenser Microphone",
    description: "Cardioid USB microphone for podcasts and streaming, with a desk stand.",
    brand: "Vocalis",
    category: "audio",
    imageCount: 1,
  },
  {
    name: "Cast Iron Skillet 28 cm",
    description: "Pre-seasoned cast iron pan that goes from stove top to oven.",
    brand: "Hearthware",
    category: "kitchen",
    imageCount: 2,
  },
  {
    name: "Pour-Over Coffee Set",
    description: "Glass dripper, carafe and 100 paper filters for a clean cup every morning.",
    brand: "Morning Ritual",
    category: "kitchen",
    imageCount: 3,
  },
  {
    name: "Chef's Knife 20 cm",
    description: "Forged stainless steel blade with a full tang and a balanced handle.",
    brand: "Hearthware",
    category: "kitchen",
    imageCount: 1,
  },
  {
    name: "Aurora Headphone Case",
    description: "Hard-shell travel case that fits Aurora headphones and their cables.",
    brand: "Sonora",
    category: "audio",
    imageCount: 2,
  },
  {
    name: "Trail Running Shoes",
    description: "Lightweight shoes with a grippy outsole for muddy and rocky trails.",
    brand: "Northpeak",
    category: "outdoor",
    imageCount: 3,
  },
  {
    name: "Ultralight Tent 2P",
    description: "A two-person, three-season tent that packs down to the size of a water bottle.",
    brand: "Northpeak",
    category: "outdoor",
    imageCount: 1,
  },
  {
    name: "Insulated Water Bottle 750 ml",
    description: "Keeps drinks cold for 24 hours or hot for 12, with a leak-proof lid.",
    brand: "Trailhead",
    category: "outdoor",
    imageCount: 2,
  },
  {
    name: "Oak Writing Desk",
    description: "Solid oak desk with a cable tray and one soft-close drawer.",
    brand: "Grainworks",
    category: "furniture",
    imageCount: 3,
  },
  {
    name: "Ergonomic Office Chair",
    description: "Adjustable lumbar support, 4D armrests and a breathable mesh back.",
    brand: "Grainworks",
    category: "furniture",
    imageCount: 2,
  },
  {
    name: "LED Desk Lamp",
    description: "Dimmable lamp with five colour temperatures and a USB-C charging port.",
    brand: "Lumen & Co",
    category: "office",
    imageCount: 1,
  },
  {
    name: "Mechanical Keyboard",
    description: "Tenkeyless keyboard with hot-swappable tactile switches.",
    brand: "Keystone",
    category: "office",
    imageCount: 3,
  },
  {
    name: "Wireless Mouse",
    description: "Quiet-click mouse with a 12-month battery and multi-device pairing.",
    brand: "Keystone",
    category: "office",
    imageCount: 2,
  },
  {
    name: "Yoga Mat",
    description: "Six millimetre non-slip mat with alignment lines and a carry strap.",
    brand: "Flowform",
    category: "fitness",
    imageCount: 1,
  },
  {
    name: "Adjustable Dumbbells",
    description: "A pair of dumbbells that adjust from 2 to 24 kg with a twist of the handle.",
    brand: "Ironclad",
    category: "fitness",
    imageCount: 3,
  },
  {
    name: "Foam Roller",
    description: "High-density roller for recovery after long runs and hard sessions.",
    brand: "Flowform",
    category: "fitness",
    imageCount: 2,
  },
  {
    name: "Smart Fitness Watch",
    description: "GPS watch with heart-rate tracking, sleep insights and a week of battery.",
    brand: "Pulse",
    category: "fitness",
    imageCount: 1,
  },
  {
    name: "Electric Kettle",
    description: "1.7 litre kettle with temperature presets for green tea and coffee.",
    brand: "Morning Ritual",
    category: "kitchen",
    imageCount: 3,
  },
  {
    name: "Bookshelf Speakers",
    description: "A pair of powered bookshelf speakers with optical and Bluetooth inputs.",
    brand: "Vocalis",
    category: "audio",
    imageCount: 2,
  },
  {
    name: "Camping Stove",
    description: "Compact gas stove that boils a litre of water in three minutes.",
    brand: "Trailhead",
    category: "outdoor",
    imageCount: 1,
  },
  {
    name: "Standing Desk Frame",
    description: "Dual-motor height-adjustable frame with four memory presets.",
    brand: "Grainworks",
    category: "furniture",
    imageCount: 3,
  },
  {
    name: "Limited Edition Vinyl Turntable",
    description: "Belt-drive turntable with a walnut plinth; a new release with no reviews yet.",
    brand: "Sonora",
    category: "audio",
    imageCount: 2,
  },
];

// Alternating sizes so clients that use width/height see more than one aspect ratio.
const IMAGE_SIZES: readonly (readonly [number, number])[] = [
  [1200, 1200],
  [1200, 900],
  [800, 1000],
];

function images(productId: string, count: number): ProductImage[] {
  return Array.from({ length: count }, (_, i) => {
    const [width, height] = IMAGE_SIZES[i % IMAGE_SIZES.length]!;
    return { url: `https://img.portico.example/products/${productId}/${i + 1}.jpg`, width, height };
  });
}

export function buildProducts(): Product[] {
  return ROWS.map((row, i) => {
    const id = `p${i + 1}`;
    return {
      id,
      name: row.name,
      description: row.description,
      brand: row.brand,
      category: row.category,
      images: images(id, row.imageCount),
    };
  });
}
