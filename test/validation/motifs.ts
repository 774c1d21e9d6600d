/**
 * The planted motifs: position frequency matrices (counts; positions × A, C, G, T) copied
 * unchanged from JASPAR 2024 CORE vertebrates non-redundant (CC BY 4.0):
 * Rauluseviciute I, et al. JASPAR 2024: 20th anniversary of the open-access database of
 * transcription factor binding profiles. Nucleic Acids Res. 2024. doi:10.1093/nar/gkad1059.
 * https://jaspar.elixir.no — see /work/shared/motifs/README.md in the project's shared data.
 * Chosen to be well known and mutually dissimilar (docs/validation.md lists their similarities).
 */

export interface PlantedMotif {
  /** Role in the class rules (A–F). */
  role: 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
  name: string;
  jaspar: string;
  /** Probability that a sequence carries one copy of the motif. */
  frequency: number;
  counts: number[][];
}

export const JASPAR_ATTRIBUTION =
  'JASPAR 2024 CORE vertebrates non-redundant (CC BY 4.0): Rauluseviciute I, et al. Nucleic Acids Res. 2024. doi:10.1093/nar/gkad1059';

export const MOTIFS: PlantedMotif[] = [
  {
    role: 'A',
    name: 'CTCF',
    jaspar: 'MA0139.2',
    frequency: 0.5,
    counts: [[281, 49, 449, 134], [56, 800, 21, 36], [8, 903, 0, 2], [744, 13, 65, 91], [40, 528, 334, 11], [107, 433, 48, 324], [851, 11, 32, 18], [5, 0, 903, 3], [333, 3, 566, 9], [54, 12, 504, 341], [12, 0, 890, 8], [56, 8, 775, 71], [104, 733, 5, 67], [372, 13, 507, 17], [82, 482, 307, 37]],
  },
  {
    role: 'B',
    name: 'GATA1',
    jaspar: 'MA0035.5',
    frequency: 0.5,
    counts: [[3953, 62419, 2712, 2744], [1314, 595, 652, 69267], [49692, 710, 856, 20570], [67550, 1292, 988, 1998], [2206, 1238, 618, 67766], [2567, 65937, 1471, 1853], [7397, 3025, 765, 60641]],
  },
  {
    role: 'C',
    name: 'FOXA1',
    jaspar: 'MA0148.5',
    frequency: 0.4,
    counts: [[23286, 5935, 281612, 11970], [11061, 13932, 6092, 291718], [297679, 14648, 5243, 5233], [294900, 13410, 3774, 10719], [312906, 2452, 3652, 3793], [7396, 272943, 4805, 37659], [308904, 3674, 3226, 6999], [42299, 23038, 27283, 230183]],
  },
  {
    role: 'D',
    name: 'SPI1',
    jaspar: 'MA0080.7',
    frequency: 0.5,
    counts: [[66531, 6863, 22807, 8997], [82280, 5758, 10614, 6546], [81461, 2330, 10220, 11187], [8636, 12201, 79986, 4375], [89952, 2594, 9636, 3016], [4077, 550, 99360, 1211], [2028, 831, 101383, 956], [102012, 1095, 1063, 1028], [99529, 958, 1822, 2889], [7616, 7067, 89140, 1375], [16997, 3716, 5128, 79357], [9972, 6075, 83385, 5766], [23194, 11577, 57669, 12758]],
  },
  {
    role: 'E',
    name: 'REST',
    jaspar: 'MA0138.3',
    frequency: 0.15,
    counts: [[58, 269, 146, 1124], [76, 1366, 50, 105], [1452, 30, 94, 26], [34, 44, 1516, 10], [122, 978, 323, 182], [1575, 7, 12, 12], [3, 1586, 12, 5], [35, 1481, 20, 70], [913, 201, 162, 329], [219, 375, 124, 886], [39, 7, 1551, 7], [20, 5, 1577, 2], [1406, 112, 34, 51], [13, 1280, 233, 74], [1574, 9, 7, 10], [42, 13, 1530, 9], [205, 1007, 183, 198], [366, 31, 688, 507], [213, 933, 319, 125], [179, 1114, 37, 260]],
  },
  {
    role: 'F',
    name: 'HNF4A',
    jaspar: 'MA0114.5',
    frequency: 0.15,
    counts: [[1468, 41443, 1237, 2356], [43321, 1257, 1061, 865], [40217, 1370, 3615, 1302], [43264, 544, 1897, 799], [716, 916, 43528, 1344], [927, 695, 2184, 42698], [2770, 37804, 1826, 4104], [1363, 42341, 643, 2157], [36654, 2782, 2936, 4132]],
  },
];

/** Letter probabilities of a count matrix, with one pseudocount spread over the four letters. */
export function probabilities(counts: number[][]): number[][] {
  return counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0) + 1;
    return row.map((n) => (n + 0.25) / total);
  });
}

export function motifByRole(role: PlantedMotif['role']): PlantedMotif {
  return MOTIFS.find((m) => m.role === role)!;
}
