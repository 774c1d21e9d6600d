/** Credit owed to motif collections: JASPAR (CC BY 4.0) must be cited wherever its names are shown. */
import type { Motif } from './motif';

/** Short line carried by every JASPAR match, for views that show one name. */
export const JASPAR_SHORT_ATTRIBUTION = 'JASPAR 2024 (CC BY 4.0), Rauluseviciute et al., NAR 2024, doi:10.1093/nar/gkad1059';

export const JASPAR_ATTRIBUTION =
  'JASPAR 2024 (CC BY 4.0): Rauluseviciute I, et al. JASPAR 2024: 20th anniversary of the open-access database of transcription factor binding profiles. Nucleic Acids Res. 2024. doi:10.1093/nar/gkad1059. https://jaspar.elixir.no';

/** JASPAR accessions look like MA0139.2; files downloaded from JASPAR carry its name. */
export function isJasparMotif(motif: Motif): boolean {
  return /^MA\d{4}\.\d+$/.test(motif.id) || /jaspar/i.test(motif.source.file);
}
