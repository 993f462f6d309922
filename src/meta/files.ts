// The names of artifact meta files, in the order a folder's one is picked:
// cmc's own, then CM/MLC script meta.
export const CMC_META_FILES = ['cmc.yaml', 'cmc.yml', 'cmc.json']
export const CM_META_FILES = ['_cm.yaml', '_cm.json', 'meta.yaml', 'meta.json']
