// The part of jstat cmc uses (the package ships no types).
declare module 'jstat' {
  const jStat: {
    studentt: {
      cdf(x: number, dof: number): number
      inv(p: number, dof: number): number
    }
  }
  export default jStat
}
