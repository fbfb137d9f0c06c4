import Foundation
import StrideIQ

// All behaviour lives in the StrideIQ library; this file only starts it.
exit(await StrideIQMain.run())
