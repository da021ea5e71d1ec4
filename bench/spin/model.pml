/*
 * rollcall's restricted universe of Ray named actors, in Promela: the model of
 * checker/packedExpand.ts (itself shown equal to the reference reducer by
 * checker/packed.test.ts), for SPIN. Profile ray, no faults, max_restarts 0,
 * no mutant; D drivers, NS namespaces, M names, OPS operations per driver.
 *
 * One process loops over d_step moves, so SPIN stores a state exactly where
 * rollcall does: after each whole move. The globals are the packed state's
 * fields, one for one (codes and 1-based numbers as in checker/packedLayout.ts,
 * and fields that do not apply kept at 0), so both tools count the same states.
 * The moves themselves are listed in moves.pml, which run.sh writes for the
 * bounds: one option per (driver, command, name, actor) or (actor, event).
 *
 * Bounds and operations come as -D flags: D, NS, M, OPS, and OP_CREATE,
 * OP_GIE, OP_GET, OP_CALL, OP_KILL, OP_KILLR, OP_DROP, OP_EXITA, OP_LIST, OP_EXIT.
 */
#define K (D*OPS)

/* Lifecycles, handles, commands in flight, death causes: the packed codes. */
#define LU 0
#define LP 1
#define LA 2
#define LD 3
#define WEAK 1
#define STRONG 2
#define CREATE_REGISTER 1
#define GIE_REGISTER 2
#define GIE_LOOKUP_AGAIN 3
#define RAY_KILL 1
#define OWNER_DIED 2
#define OUT_OF_SCOPE 3
#define REF_DELETED 4
#define INTENDED_USER_EXIT 5
#define WORKER_DIED 6

byte cJob;                 /* counters.job */
byte cActor;               /* counters.actor */
byte slotJob[D];           /* the job number each driver started (0: not yet) */
byte slotOps[D];           /* operations each driver issued */
byte jobNs[D];             /* per job index: namespace */
bit  jobFin[D];            /* FINISHED */
byte jobInfl[D];           /* command in flight */
byte jobInflName[D];
bit  jobInflDet[D];
byte hd[D*K];              /* handle of job ji to actor k at ji*K+k */
byte aCreator[K];          /* per actor index: creator's job index */
byte aName[K];
bit  aDet[K];
bit  aGie[K];              /* made by get-or-create: args [1] */
byte aLife[K];
bit  aReg[K];              /* registered (else destroyed) */
bit  aInc[K];              /* incarnation */
byte aCause[K];
byte aData[K];             /* 0: null, else count + 1 */
byte reg[NS*M];            /* the name registry: actor number, 0 for none */
byte kBy[D];               /* pending kills, oldest first: caller's job number (0: empty) */
byte kActor[D];            /* actor number */
bit  kNR[D];               /* noRestart */

hidden byte sT;             /* scratch, never stored */
hidden byte sQ;
hidden byte sX;
hidden byte sY;

#define JI(i) (slotJob[i] - 1)
#define HAS_KILL(p, j) (D > p && kBy[p] == (j))
#define BLOCKED(ji) (HAS_KILL(0, ji + 1) || HAS_KILL(1, ji + 1) || HAS_KILL(2, ji + 1) || HAS_KILL(3, ji + 1) || HAS_KILL(4, ji + 1) || HAS_KILL(5, ji + 1))
#define JOB_IN(ji, n) (cJob > ji && jobNs[ji] == (n))
#define NS_USED(n) (JOB_IN(0, n) || JOB_IN(1, n) || JOB_IN(2, n) || JOB_IN(3, n) || JOB_IN(4, n) || JOB_IN(5, n))
/* A driver that has a job, running, with nothing in flight, and operations left. */
#define READY(i) (slotJob[i] != 0 && !jobFin[JI(i)] && jobInfl[JI(i)] == 0 && slotOps[i] < OPS)
#define HOLDS(i, k) (k < cActor && hd[JI(i) * K + k] != 0)
#define WAITING(k) (aLife[k] == LU || aLife[k] == LP)
#define OWNER_GONE(k) (jobFin[aCreator[k]] && (!aDet[k] || aLife[k] == LU))
#define LIVE(k) (k < cActor && aReg[k])

inline addWeak(ji, k) {
  if
  :: hd[(ji) * K + k] != STRONG -> hd[(ji) * K + k] = WEAK
  :: else -> skip
  fi
}

/* RemoveActorNameFromRegistry: unchecked, as in Ray. */
inline releaseName(k) {
  reg[jobNs[aCreator[k]] * M + aName[k]] = 0
}

/* DestroyActor (nothing is kept for lineage: no restarts). */
inline destroy(k, cause) {
  if
  :: aLife[k] != LD ->
     if
     :: aLife[k] != LU -> aInc[k] = 1
     :: else -> skip
     fi;
     aCause[k] = cause;
     aLife[k] = LD
  :: else -> skip
  fi;
  aReg[k] = 0;
  releaseName(k)
}

/* The actor's process died and cannot restart. */
inline workerDied(k, cause) {
  aInc[k] = 1;
  aLife[k] = LD;
  aCause[k] = cause;
  if
  :: aDet[k] -> aReg[k] = 0; releaseName(k)
  :: else -> skip
  fi
}

inline start(i, n) {
  slotJob[i] = cJob + 1;
  jobNs[cJob] = n;
  cJob++
}

inline continueCreate(i) {
  sX = jobInflName[JI(i)];
  sY = jobInflDet[JI(i)];
  sT = jobInfl[JI(i)];
  jobInfl[JI(i)] = 0;
  jobInflName[JI(i)] = 0;
  jobInflDet[JI(i)] = 0;
  sQ = reg[jobNs[JI(i)] * M + sX];
  if
  :: sT == GIE_LOOKUP_AGAIN ->
     if
     :: sQ != 0 -> addWeak(JI(i), sQ - 1)
     :: else -> skip
     fi
  :: sT != GIE_LOOKUP_AGAIN && sQ != 0 ->
     if
     :: sT == GIE_REGISTER -> jobInfl[JI(i)] = GIE_LOOKUP_AGAIN; jobInflName[JI(i)] = sX; jobInflDet[JI(i)] = sY
     :: else -> skip
     fi
  :: else ->
     aCreator[cActor] = JI(i);
     aName[cActor] = sX;
     aDet[cActor] = sY;
     aGie[cActor] = (sT == GIE_REGISTER);
     aLife[cActor] = LU;
     aReg[cActor] = 1;
     reg[jobNs[JI(i)] * M + sX] = cActor + 1;
     hd[JI(i) * K + cActor] = STRONG;
     cActor++
  fi;
  sT = 0; sQ = 0; sX = 0; sY = 0
}

inline create(i, n, gie, det) {
  slotOps[i]++;
  sQ = reg[jobNs[JI(i)] * M + n];
  if
  :: sQ != 0 && gie -> addWeak(JI(i), sQ - 1)
  :: sQ != 0 && !gie -> skip
  :: else -> jobInfl[JI(i)] = (gie -> GIE_REGISTER : CREATE_REGISTER); jobInflName[JI(i)] = n; jobInflDet[JI(i)] = det
  fi;
  sQ = 0
}

inline get(i, n) {
  slotOps[i]++;
  sQ = reg[jobNs[JI(i)] * M + n];
  if
  :: sQ != 0 -> addWeak(JI(i), sQ - 1)
  :: else -> skip
  fi;
  sQ = 0
}

inline call(i, k) {
  slotOps[i]++;
  if
  :: aLife[k] != LD -> aData[k]++
  :: else -> skip
  fi
}

inline kill(i, k, nr) {
  slotOps[i]++;
  sT = 0;
  do
  :: sT < D && kBy[sT] != 0 -> sT++
  :: else -> break
  od;
  kBy[sT] = slotJob[i];
  kActor[sT] = k + 1;
  kNR[sT] = nr;
  sT = 0
}

inline drop(i, k) {
  slotOps[i]++;
  hd[JI(i) * K + k] = 0
}

inline exitActor(i, k) {
  slotOps[i]++;
  if
  :: aLife[k] == LA -> workerDied(k, INTENDED_USER_EXIT)
  :: else -> skip
  fi
}

inline list(i) {
  slotOps[i]++
}

inline exitDriver(i) {
  slotOps[i]++;
  jobFin[JI(i)] = 1;
  for (sT : 0 .. K - 1) {
    hd[JI(i) * K + sT] = 0
  };
  sT = 0
}

inline killProcessed(p) {
  sX = kActor[p];
  sY = kNR[p];
  sQ = 0;
  do
  :: kActor[sQ] != sX || kNR[sQ] != sY -> sQ++
  :: else -> break
  od;
  do
  :: sQ + 1 < D && kBy[sQ + 1] != 0 ->
     kBy[sQ] = kBy[sQ + 1]; kActor[sQ] = kActor[sQ + 1]; kNR[sQ] = kNR[sQ + 1]; sQ++
  :: else -> break
  od;
  kBy[sQ] = 0; kActor[sQ] = 0; kNR[sQ] = 0;
  if
  :: !aReg[sX - 1] -> skip
  :: aReg[sX - 1] && sY -> destroy(sX - 1, RAY_KILL)
  :: aReg[sX - 1] && !sY && aLife[sX - 1] == LA -> workerDied(sX - 1, WORKER_DIED)
  /* not created yet: its scheduling cancelled, it dies of the kill (GcsActorManager::KillActor) */
  :: aReg[sX - 1] && !sY && aLife[sX - 1] == LP -> workerDied(sX - 1, RAY_KILL)
  :: else -> skip
  fi;
  sQ = 0; sX = 0; sY = 0
}

active proctype cluster() {
end:
  do
#include "moves.pml"
  od
}
