/** The reference's internal Go types that its image validation prints in field errors (see api/go-syntax.ts). */
import type { GoType } from '../../api/go-syntax.js';

export const GO_IMAGE_LAYERS: GoType = {
  slice: {
    struct: 'image.ImageLayer',
    fields: [
      ['Name', 'name', 'string'],
      ['LayerSize', 'size', 'int'],
      ['MediaType', 'mediaType', 'string'],
    ],
  },
};

export const GO_SIGNATURE_CONDITIONS: GoType = {
  slice: {
    struct: 'image.SignatureCondition',
    fields: [
      ['Type', 'type', 'string'],
      ['Status', 'status', 'string'],
      ['LastProbeTime', 'lastProbeTime', 'time'],
      ['LastTransitionTime', 'lastTransitionTime', 'time'],
      ['Reason', 'reason', 'string'],
      ['Message', 'message', 'string'],
    ],
  },
};
